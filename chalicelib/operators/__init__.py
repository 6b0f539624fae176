"""The operators' side: sign-in, the request list and search, stats, the
request's view and the actions."""
