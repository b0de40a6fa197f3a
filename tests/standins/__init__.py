"""Local stand-ins for the services a publish talks to; shared by tests, demo and benchmarks."""
