"""The HTTP contract of the JSON API, defined once: request and response models
(``requests``, ``responses``), the operation table (``operations``), body validation in the
one error shape (``validation``), and what is derived from them: the OpenAPI document
(``document``) and the reference in docs/actions.md (``reference``)."""
