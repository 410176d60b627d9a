from django.db import models


class Product(models.Model):
    """A table only the 'shop' tenant type's schemas get."""

    title = models.CharField(max_length=100)
