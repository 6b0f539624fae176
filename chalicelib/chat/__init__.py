"""The customer's side: the chat's intake, the reply to a proposed time,
per-client limits and the workflow's start."""
