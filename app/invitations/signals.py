"""What the invitations feature tells the features above it.

`party_admitted` is sent, inside the accepting transaction, once an agreed admission brought a
new party in and the proposal asked for it to take part in the open review cycle:
`party_admitted.send(party)`. The review cycle adds it while the cycle is still in Review.
Receivers change rows and write audit events; they never commit.
"""

from blinker import Namespace

_signals = Namespace()

party_admitted_into_open_cycle = _signals.signal("party-admitted-into-open-cycle")
