"""The published draw algorithm, "hmac-sha256-rank-v1", in plain functions anyone can re-run.

1. When a scheduled draw is published, 32 random bytes (`secrets`) are drawn as the seed and
   `commitment = sha256(seed)` (hex of the digest of the 32 raw bytes) is shown.
2. When entries close, `entries_hash = sha256("\\n".join(str(id) for id in sorted ids))` (hex,
   UTF-8) is shown: the list cannot change afterwards without the hash showing it.
3. At the draw the seed is revealed (hex). For each entry id `e`:
   `score = HMAC-SHA256(key=seed, msg=str(e))` (hex). Entries sorted by score ascending
   (ties, which never happen in practice, by id); winners are taken in that order, skipping
   an entry whose member has already won, until every prize unit is given. Prize units are
   handed out in the order the marketer listed the prizes, each prize `quantity` times.

Nothing here touches the database: the command `verify_giveaway_draw` and the tests run the
same functions over a proof's JSON.
"""

import hashlib
import hmac
import secrets

ALGORITHM = "hmac-sha256-rank-v1"


def new_seed() -> str:
    return secrets.token_bytes(32).hex()


def commitment_of(seed_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(seed_hex)).hexdigest()


def entries_hash_of(entry_ids) -> str:
    text = "\n".join(str(e) for e in sorted(int(e) for e in entry_ids))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def score_of(seed_hex: str, entry_id: int) -> str:
    return hmac.new(bytes.fromhex(seed_hex), str(int(entry_id)).encode("utf-8"), hashlib.sha256).hexdigest()


def ranking(seed_hex: str, entry_ids) -> list[int]:
    """Entry ids by score ascending."""
    return sorted((int(e) for e in entry_ids), key=lambda e: (score_of(seed_hex, e), e))


def winners_of(seed_hex: str, entry_members: dict, units: int) -> list[int]:
    """The winning entry ids in order: one per prize unit, at most one per member.

    `entry_members` maps each entry id to its member (any stable reference)."""
    winners, members = [], set()
    for entry_id in ranking(seed_hex, entry_members):
        if len(winners) >= units:
            break
        member = entry_members[entry_id] if entry_id in entry_members else entry_members[str(entry_id)]
        if member in members:
            continue
        members.add(member)
        winners.append(entry_id)
    return winners


def reserves_of(seed_hex: str, entry_members: dict, winners, count: int) -> list[int]:
    """The reserve list: the next entries in the ranking, members who have not won, one each."""
    taken = {entry_members.get(w, entry_members.get(str(w))) for w in winners}
    reserves = []
    for entry_id in ranking(seed_hex, entry_members):
        if len(reserves) >= count:
            break
        member = entry_members[entry_id] if entry_id in entry_members else entry_members[str(entry_id)]
        if entry_id in winners or member in taken:
            continue
        taken.add(member)
        reserves.append(entry_id)
    return reserves


def check_proof(proof: dict) -> list[str]:
    """What does not add up in a published proof (empty when the draw checks out)."""
    problems = []
    if proof.get("algorithm") != ALGORITHM:
        problems.append(f"unknown algorithm {proof.get('algorithm')!r}")
        return problems
    seed = proof.get("seed") or ""
    if not seed:
        return ["the seed has not been revealed yet"]
    if commitment_of(seed) != proof.get("commitment"):
        problems.append("sha256(seed) is not the published commitment")
    entries = [int(e) for e in proof.get("entries", [])]
    if entries_hash_of(entries) != proof.get("entries_hash"):
        problems.append("the entries do not hash to the published entries_hash")
    members = {int(k): v for k, v in (proof.get("entry_members") or {}).items()}
    if set(members) != set(entries):
        problems.append("entry_members does not name exactly the entries")
        return problems
    units = sum(int(p["quantity"]) for p in proof.get("prizes", []))
    expected = winners_of(seed, members, units)
    if expected != [int(w) for w in proof.get("winners", [])]:
        problems.append(f"the winners are not the ones the algorithm gives: expected {expected}")
    return problems
