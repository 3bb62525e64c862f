"""What the partnerships feature tells the features above it.

`party_left` is sent, inside the leaving transaction, once a party has left a partnership
(its row marked, its people's memberships gone): `party_left.send(party, actor=user,
reason=text)`. Plan versions close the version awaiting its signature, the open review cycle
stops waiting for it, and open proposals lapse. Receivers change rows and write audit events
and notifications; they never commit.
"""

from blinker import Namespace

_signals = Namespace()

party_left = _signals.signal("party-left")

# Sent, under the partnership's lock, once a party has joined (its row flushed):
# `party_joined.send(party)`. Consent lapses the open proposals, which did not ask it.
party_joined = _signals.signal("party-joined")
