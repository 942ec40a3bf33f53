"""Revision scripts; a package only so that wheels include them."""
