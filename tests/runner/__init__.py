"""What a GitHub runner does with a step's output and files, for tests to read them back."""
