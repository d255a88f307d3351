"""Calls for solutions, AMIs and challenges: pages, lifecycle and domain events."""
