"""Sign-in by emailed one-time code: the no-code login page and the profile page.

``/login/<account public id>`` (setting ``login_page``) lets a customer of an account without
a backend open its hosted portal: they enter their email, get a six-digit code by email, and
enter it. ``/profile`` (config ``PROFILE_PAGE``) signs in the same way and lists the
customer's subscriptions in every account that turned ``shared_profile`` on.

One module, one job: ``availability`` (what the operator configured, what the settings allow),
``codes`` (issuing and checking codes, hashed in ``login_codes``), ``mail`` (the email,
translated and branded, over SMTP), ``forms`` (the pages' CSRF and proof tokens), ``flow``
(the request steps shared by both pages), ``pages`` and ``profile`` (the routes, on the
blueprint of ``routes``, which ``create_app`` registers).
"""
