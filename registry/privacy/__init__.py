"""Privacy (AVG): anonymising people who left longer ago than the retention period."""
