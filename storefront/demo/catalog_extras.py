"""Demo search keywords and sales figures for the demo catalogue (loaded by `load_demo`
through settings.DEMO_EXTRA_LOADERS), and the product image thumbnails made up front.

Keywords are the words shoppers type that are not in a title ("绿茶", "送礼", "奶茶");
sales make "-sales" ordering show something until real orders are counted (the nightly
recount replaces them with the units of paid orders). Rows are found by UPC; only what
changed is written, so a second load changes nothing.
"""

from oscar.core.loading import get_model

from storefront.catalog import services as catalog_services
from storefront.catalog.models import ProductImageThumbnails, ProductListing

Product = get_model("catalogue", "Product")
ProductImage = get_model("catalogue", "ProductImage")

# UPC -> (search keywords, units sold)
DEMO_LISTINGS = {
    "QS-T-LONGJING": ("绿茶 龙井 杭州 明前 送礼 春茶", 326),
    "QS-T-BILUOCHUN": ("绿茶 苏州 春茶", 158),
    "QS-T-MAOFENG": ("绿茶 口粮茶 安徽", 97),
    "QS-T-TIEGUANYIN": ("乌龙茶 青茶 福建 清香", 143),
    "QS-T-DAHONGPAO": ("乌龙茶 岩茶 福建 送礼", 121),
    "QS-T-DANCONG": ("乌龙茶 潮州 工夫茶", 64),
    "QS-T-LAPSANG": ("红茶 福建 特惠", 210),
    "QS-T-KEEMUN": ("红茶 奶茶 安徽", 88),
    "QS-T-DIANHONG": ("红茶 云南", 73),
    "QS-T-SILVERNEEDLE": ("白茶 福建 送礼", 56),
    "QS-T-WHITEPEONY": ("白茶 福建 老白茶", 69),
    "QS-T-PUERH": ("普洱 黑茶 云南 暖胃", 102),
    "QS-D-LONGJINGTEA": ("现泡 绿茶 纯茶", 512),
    "QS-D-COLDOOLONG": ("冷泡 乌龙 无糖 夏天", 438),
    "QS-D-OSMANTHUSMILK": ("奶茶 桂花 招牌", 1290),
    "QS-D-BROWNSUGAR": ("奶茶 珍珠 黑糖 脏脏", 1104),
    "QS-D-JASMINEMILK": ("奶茶 茉莉 奶绿", 876),
    "QS-D-MATCHALATTE": ("抹茶 拿铁 宇治", 654),
    "QS-D-ORANGEGREEN": ("果茶 橙子 维C 夏天", 799),
    "QS-D-MANGOPOMELO": ("果茶 芒果 西柚 甜品", 932),
    "QS-D-LYCHEEBLACK": ("果茶 荔枝 红茶", 411),
    "QS-C-AMERICANO": ("咖啡 黑咖啡 提神", 720),
    "QS-C-LATTE": ("咖啡 牛奶", 688),
    "QS-C-OSMANTHUSLATTE": ("咖啡 桂花 秋季限定", 350),
    "QS-C-FLATWHITE": ("咖啡 澳白 牛奶", 290),
    "QS-B-BAOSHAN": ("咖啡豆 云南 手冲", 45),
    "QS-B-YIRGACHEFFE": ("咖啡豆 手冲 花香 埃塞", 61),
    "QS-B-BLEND": ("咖啡豆 意式 浓缩", 38),
    "QS-P-MUNGBEAN": ("茶点 糕点 中式 解暑", 233),
    "QS-P-EGGYOLK": ("茶点 糕点 中式 中秋", 301),
    "QS-P-PINEAPPLE": ("茶点 台湾 伴手礼", 187),
    "QS-P-SCONE": ("茶点 下午茶 西式", 142),
    "QS-P-BASQUE": ("蛋糕 芝士 下午茶 甜品", 265),
    "QS-W-GAIWAN": ("茶具 盖碗 瓷器 功夫茶", 77),
    "QS-W-FAIRCUP": ("茶具 玻璃 分茶", 58),
    "QS-W-RUCUP": ("茶具 汝窑 茶杯 送礼", 49),
    "QS-W-TRAVELSET": ("茶具 户外 便携 旅行", 36),
    "QS-G-SPRING": ("礼盒 送礼 春茶 节日", 128),
    "QS-G-TEATIME": ("礼盒 送礼 茶点 伴手礼", 94),
}


def load_catalog_demo() -> str:
    products = {p.upc: p for p in Product.objects.filter(upc__in=DEMO_LISTINGS)}
    changed = 0
    for upc, (keywords, sold) in DEMO_LISTINGS.items():
        product = products.get(upc)
        if product is None:
            continue
        listing = catalog_services.ensure_listing(product=product)
        # `make run` loads the demo at every start: sales are seeded once, so units sold in
        # the demo since then are kept.
        values = {"search_keywords": keywords} | ({"sales_count": sold} if listing.sales_count == 0 else {})
        if any(getattr(listing, name) != value for name, value in values.items()):
            ProductListing.objects.filter(pk=listing.pk).update(**values)
            catalog_services.refresh_search_text(product_id=product.pk)
            changed += 1
    made = 0
    images = ProductImage.objects.filter(product__in=products.values()).select_related("thumbnails")
    for image in images:
        existing = getattr(image, "thumbnails", None)  # select_related: no query, None when missing
        if existing is None or existing.source != image.original.name:
            if isinstance(catalog_services.make_product_image_thumbnails(image_id=image.pk), ProductImageThumbnails):
                made += 1
    if changed or made:
        catalog_services.bump_catalog_version()
    return f"catalog: keywords and sales for {len(products)} products ({changed} changed), {made} thumbnails made"
