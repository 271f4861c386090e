"""marshmallow schemas of the API: the only place where objects become JSON and back."""
