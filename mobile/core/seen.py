"""What this account has already been shown on this device, so a note is shown in full once."""


def first_sight(store, kind: str, key: str) -> bool:
    """Remember that `key` of `kind` has been shown; tell whether this was the first time."""
    first = []

    def add(keys):
        keys = list(keys or [])
        first.append(key not in keys)
        return keys if key in keys else [*keys, key]

    # Per account: another patient signing in on the same phone has seen nothing yet.
    store.update_account_value(f"seen:{kind}", add)
    return first[0]
