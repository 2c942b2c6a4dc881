"""Account pages: two-step sign-in and API tokens."""
