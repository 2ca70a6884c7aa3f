"""oio-election-sync: repair replicated bases of OpenIO SDS from the openio CLI."""

__version__ = "0.1.0"
