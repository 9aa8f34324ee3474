import pytest

from widget_server.crypto import SecretBox, SecretBoxError, generate_key


def test_round_trip_and_key_rotation():
    old, new = generate_key(), generate_key()
    token = SecretBox([old]).encrypt("sk_test_123")
    rotated_box = SecretBox([new, old])
    assert rotated_box.decrypt(token) == "sk_test_123"
    assert SecretBox([new]).decrypt(rotated_box.rotate(token)) == "sk_test_123"


def test_wrong_key_gives_a_clear_error():
    token = SecretBox([generate_key()]).encrypt("x")
    with pytest.raises(SecretBoxError, match="ENCRYPTION_KEYS"):
        SecretBox([generate_key()]).decrypt(token)


@pytest.mark.parametrize("keys", [[], ["not-a-fernet-key"]])
def test_malformed_keys_are_refused(keys):
    with pytest.raises(SecretBoxError):
        SecretBox(keys)
