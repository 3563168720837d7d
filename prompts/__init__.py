"""Prompt texts (Chinese) shipped with jixiao as package data; see VERSION."""
