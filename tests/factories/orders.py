"""Orders and baskets of a member as Oscar keeps them, for the member and privacy stories."""

from oscar.test import factories as oscar_factories


def order_for(member, *, name="李四", phone="+8613900139000", email="li@example.com"):
    """A placed Oscar order of the member with a shipping address carrying personal data."""
    address = oscar_factories.ShippingAddressFactory(
        first_name=name,
        last_name="",
        line1="漕溪北路88号",
        line4="上海市",
        state="上海市",
        postcode="200030",
        phone_number=phone,
    )
    return oscar_factories.create_order(user=member, shipping_address=address, guest_email=email)


def open_basket_for(member, quantity=1):
    """An open Oscar basket of the member with one line."""
    basket = oscar_factories.create_basket(empty=True)
    basket.owner = member
    basket.save()
    product = oscar_factories.create_product()
    oscar_factories.create_stockrecord(product, num_in_stock=10)
    basket.add_product(product, quantity=quantity)
    return basket
