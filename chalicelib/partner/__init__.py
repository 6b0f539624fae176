"""The partner confirmation loop, our side of the state machine
``stepfunctions/partner-confirmation.json``:

- `sender.handle_link_message`: the WaitPartner message -> one SMS with a
  signed link (idempotent per request and task token);
- `answers.open_link`: ``GET /r/{token}``, shows the request, never consumes;
- `answers.answer` / `answers.answer_form`: ``POST /r/{token}``, first click
  wins, then SendTaskSuccess.
"""

from __future__ import annotations

from chalicelib.partner.answers import answer, answer_form, open_link
from chalicelib.partner.sender import LinkInProgress, handle_link_message

__all__ = ["LinkInProgress", "answer", "answer_form", "handle_link_message", "open_link"]
