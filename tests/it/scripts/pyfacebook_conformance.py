"""python-facebook-api's IGBusinessApi, unmodified, against the socialdesk sandbox.

Only the base URL is pointed at the sandbox (the library's own `base_url` argument).
Every call below is the library's documented method; the script fails with an
AssertionError naming what the sandbox answered differently.
Environment: BASE_URL (…/facebook/), TOKEN (Facebook user token), IG_ID.
"""

import json
import os

from pyfacebook import IGBusinessApi

api = IGBusinessApi(
    access_token=os.environ["TOKEN"],
    instagram_business_id=os.environ["IG_ID"],
    base_url=os.environ["BASE_URL"],
    version="v24.0",
    sleep_on_rate_limit=False,
    timeout=30,
)

# Hashtag Search: the hashtag's id (and name, which the library asks for).
found = api.user.get_hashtag_search(q="coffee")
assert len(found.data) == 1, found
tag = found.data[0]
assert tag.id and tag.name == "coffee", tag

info = api.hashtag.get_info(hashtag_id=tag.id)
assert info.id == tag.id and info.name == "coffee", info

# Top and recent media with the library's default fields (children{…} included).
top = api.hashtag.get_top_media(hashtag_id=tag.id, count=20, limit=10)
assert len(top.data) == 20, len(top.data)
likes = [m.like_count for m in top.data]
assert all(isinstance(n, int) for n in likes), likes
assert likes == sorted(likes, reverse=True), likes
assert all(m.media_type == "IMAGE" and m.media_url for m in top.data), top.data[0]

recent = api.hashtag.get_recent_media(hashtag_id=tag.id, count=60, limit=50)
assert len(recent.data) == 60, len(recent.data)
assert len({m.id for m in recent.data}) == 60, "pages do not repeat"
stamps = [m.timestamp for m in recent.data]
assert stamps == sorted(stamps, reverse=True), stamps[:3]

searched = api.user.get_recently_searched_hashtags()
assert [h.name for h in searched.data] == ["coffee"], searched

# Business Discovery: profile, then media with paging.
who = api.user.discovery_user(username="harbour.bakery")
bd = who.business_discovery
assert bd.username == "harbour.bakery" and bd.followers_count > 1000, bd
assert bd.media_count > 5 and bd.profile_picture_url, bd

first = api.user.discovery_user_medias(username="harbour.bakery", limit=5)
page = first.business_discovery.media
assert len(page.data) == 5, page
assert all(m.comments_count is not None for m in page.data), page.data[0]
after = page.paging.cursors.after
second = api.user.discovery_user_medias(username="harbour.bakery", limit=5, after=after)
ids = {m.id for m in page.data}
assert not ids & {m.id for m in second.business_discovery.media.data}, "next page"

# The documented error for a personal account.
try:
    api.user.discovery_user(username="jamie.weekends")
    raise AssertionError("a personal account was discovered")
except Exception as e:  # the library's FacebookError
    err = getattr(e, "code", None)
    assert err == 110, (type(e), vars(e))

print(json.dumps({
    "hashtag": tag.id,
    "top": len(top.data),
    "recent": len(recent.data),
    "discovered": bd.username,
}))
