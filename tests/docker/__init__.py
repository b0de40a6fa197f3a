"""The Docker image, built and run on a local engine."""
