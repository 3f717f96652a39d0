"""Presentation: how numbers read (formatting), chart builders, and the page view models that
turn a domain result into what a template shows. Domain and analytics code never import it;
pages (an app's views) do. Templates only render what these modules computed.
"""
