from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models


class UserManager(BaseUserManager):
    """A manager that takes the required fields as positional arguments (no **kwargs for them)."""

    def create_user(self, email, full_name, birth_date, password=None, **extra):
        user = self.model(
            email=self.normalize_email(email), full_name=full_name, birth_date=birth_date, **extra
        )
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, full_name, birth_date, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, full_name, birth_date, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Logs in by email; a name and a birth date are required (REQUIRED_FIELDS)."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name", "birth_date"]
