"""The lab's data, identical in both twins: three named users, thirty customers, products, orders.

Everything is derived from fixed strings, so ids and hashes are the same on every run.
"""

from __future__ import annotations

import hashlib
from functools import cache

from middlebrick.lab.dynamodb import DynamoClient
from middlebrick.lab.store import Item, Tables, put_items

# Fewer PBKDF2 rounds than production would use, so the lab starts and logs in fast.
PBKDF2_ITERATIONS = 50_000
PASSWORDS = {"alice": "alice-wonderland-1", "bob": "bob-builder-2", "admin": "admin-root-3"}
CUSTOMER_PASSWORD = "customer-pass-4"
CUSTOMER_COUNT = 30  # enough that an unpaginated Scan is visibly bigger than a page


def make_id(kind: str, name: str) -> str:
    """A stable, unguessable-looking id such as `ord_3f9a0c1b2d4e`."""
    return f"{kind}_{hashlib.sha256(f'{kind}:{name}'.encode()).hexdigest()[:12]}"


def hash_password(password: str, salt: str) -> str:
    """A Werkzeug-compatible PBKDF2 hash (check with werkzeug.security.check_password_hash)."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), PBKDF2_ITERATIONS)
    return f"pbkdf2:sha256:{PBKDF2_ITERATIONS}${salt}${digest.hex()}"


def user_id(username: str) -> str:
    """The seeded user id of `username`."""
    return make_id("usr", username)


@cache
def users() -> tuple[Item, ...]:
    """The seeded users, password hashes included."""
    named = [
        ("alice", "Alice Liddell", "user"),
        ("bob", "Bob Builder", "user"),
        ("admin", "Ada Admin", "admin"),
    ]
    customers = [
        (f"customer{n:02d}", f"Customer {n:02d}", "user") for n in range(1, CUSTOMER_COUNT + 1)
    ]
    return tuple(
        {
            "user_id": user_id(name),
            "username": name,
            "email": f"{name}@example.test",
            "display_name": display,
            "role": role,
            "password_hash": hash_password(PASSWORDS.get(name, CUSTOMER_PASSWORD), f"s-{name}"),
            "created_at": f"2024-01-{(i % 28) + 1:02d}T09:00:00Z",
        }
        for i, (name, display, role) in enumerate([*named, *customers])
    )


_PRODUCTS = [
    ("Mechanical keyboard", "peripherals", 8900, True),
    ("USB-C hub", "peripherals", 3900, True),
    ("Noise-cancelling headphones", "audio", 19900, True),
    ("Portable speaker", "audio", 5900, True),
    ("Standing desk", "furniture", 45900, True),
    ("Ergonomic chair", "furniture", 32900, True),
    # Not for sale yet: only an injection or a broken filter shows these.
    ("Prototype AR glasses (unreleased)", "devices", 99900, False),
    ("Internal test SKU", "devices", 1, False),
]


def products() -> list[Item]:
    """The catalogue; prices are in cents; unpublished products must stay hidden."""
    return [
        {
            "product_id": make_id("prd", name),
            "name": name,
            "category": category,
            "price": price,
            "visibility": "public" if published else "draft",
            "stock": 10 + i * 7,
        }
        for i, (name, category, price, published) in enumerate(_PRODUCTS)
    ]


_ORDERS = [
    ("alice", 0, 1, "delivered", "2024-02-03T10:15:00Z"),
    ("alice", 2, 1, "shipped", "2024-04-11T16:40:00Z"),
    ("alice", 1, 2, "placed", "2024-06-20T08:05:00Z"),
    ("bob", 4, 1, "delivered", "2024-03-14T12:00:00Z"),
    ("bob", 3, 3, "shipped", "2024-05-02T19:30:00Z"),
    ("bob", 5, 1, "placed", "2024-06-28T07:45:00Z"),
]


def orders() -> list[Item]:
    """Three orders each for alice and bob, with the personal data an order carries."""
    catalogue = products()
    result = []
    for n, (owner, product, quantity, status, created) in enumerate(_ORDERS):
        item = catalogue[product]
        result.append(
            {
                "order_id": make_id("ord", f"{owner}-{n}"),
                "owner_id": user_id(owner),
                "product_id": item["product_id"],
                "product_name": item["name"],
                "quantity": quantity,
                "price": item["price"],
                "total": item["price"] * quantity,
                "status": status,
                "shipping_address": f"{n + 1} {owner.title()} Street, Springfield",
                "created_at": created,
            }
        )
    return result


def seed(client: DynamoClient, tables: Tables) -> None:
    """Write the seed data into freshly created tables."""
    put_items(client, tables.users, list(users()))
    put_items(client, tables.products, products())
    put_items(client, tables.orders, orders())
