"""PhotoSort: sort a photo library by the people in it."""

__version__ = "0.1.0"
