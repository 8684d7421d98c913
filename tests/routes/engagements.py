from tests.routes import route


@route("engagements:detail", engagement_scoped=True)
def engagement_page(world):
    return f"/engagements/{world.engagement.public_id}/"
