"""``{% inline_chart chart %}`` puts a chart inline with its stylesheets allowed by the page's
Content-Security-Policy: they carry the request's nonce (django-csp adds it to the header
once it is read). Rendered without a request (a report body on its own), the chart is as is."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def inline_chart(context, chart):
    request = context.get("request")
    nonce = getattr(request, "csp_nonce", None)
    if chart is None or nonce is None:
        return chart or ""
    # django-csp's nonce is lazy, and false until it is first read: read it, never test it.
    return chart.with_nonce(str(nonce))
