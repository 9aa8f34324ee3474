"""What the pinned stripe-python says about Stripe's API, read from the library itself.

Shared by the sandbox (request validation, response shapes) and the contract check
(`widget-server stripe check`). Pure: knows nothing of Flask or of the sandbox.

- `endpoints`: every v1 call of the SDK's services: method, path, params TypedDict, result type.
- `objects`: the fields each resource class declares, which of them are expandable ids,
  which are only included on request, and checks of a JSON object against them.
- `spec_facts`: the few facts the SDK's types cannot tell (required params the SDK leaves
  optional, includable fields), taken from Stripe's OpenAPI spec and shipped as data.
"""
