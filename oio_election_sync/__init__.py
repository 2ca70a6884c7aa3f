"""oio-election-sync: repair replicated bases of OpenIO SDS with openio."""

__version__ = "0.1.0"
