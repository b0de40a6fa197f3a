"""Says hello; published by the trusted-publish demo."""

__version__ = "1.0.0"


def greet(name: str) -> str:
    return f"Hello, {name}!"
