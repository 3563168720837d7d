"""jixiao (绩效): Chinese government performance self-evaluation reports -> validated data.

The library never imports its CLI; `jixiao.pipeline` is the entry point for programs.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("jixiao")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
