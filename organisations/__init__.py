"""Publishing organisations (buyers), their editors and reviewers."""
