"""The privacy page: people who left, and anonymising them."""
