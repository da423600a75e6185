"""The demo brand's catalogue as data: categories, product classes with their attributes,
and products with their SKUs. `catalogue.py` writes it to Oscar's models.

A discount is a SKU whose price is below its `original_price`, an attribute of the SKU
(Oscar's stock record has one price only): the shopper API can show the original price
struck through.
"""

from dataclasses import dataclass, field

# (slug, name, description, [(slug, name), ...])
CATEGORIES = [
    (
        "tea",
        "茶叶",
        "<p>当季原产地直采的好茶，现货罐装。</p>",
        [
            ("green-tea", "绿茶"),
            ("oolong", "乌龙茶"),
            ("black-tea", "红茶"),
            ("white-tea", "白茶"),
            ("pu-erh", "普洱"),
        ],
    ),
    (
        "tea-drinks",
        "现制茶饮",
        "<p>门店现制，鲜叶冷萃与手作奶茶。</p>",
        [
            ("pure-tea", "纯茶"),
            ("milk-tea", "奶茶"),
            ("fruit-tea", "果茶"),
        ],
    ),
    (
        "coffee",
        "咖啡",
        "<p>云南与全球精品产区的咖啡。</p>",
        [
            ("espresso-drinks", "现磨咖啡"),
            ("coffee-beans", "咖啡豆"),
        ],
    ),
    (
        "pastries",
        "茶点",
        "<p>每日手作，配茶刚好。</p>",
        [
            ("chinese-pastries", "中式糕点"),
            ("bakery", "西式烘焙"),
        ],
    ),
    (
        "teaware",
        "茶器",
        "<p>日常泡茶用得上的器物。</p>",
        [
            ("teapots", "盖碗与茶壶"),
            ("tea-cups", "杯具"),
        ],
    ),
    ("gift-sets", "礼盒", "<p>节日、拜访与商务的茶礼。</p>", []),
]

# Option groups: code -> (name, options)
OPTION_GROUPS = {
    "tea-size": ("茶叶规格", ["50g 罐装", "100g 罐装", "250g 礼盒"]),
    "cup-size": ("杯型", ["中杯", "大杯"]),
    "temperature": ("温度", ["热", "冰"]),
    "bean-size": ("咖啡豆规格", ["250g", "500g"]),
    "grind": ("研磨", ["整豆", "手冲研磨", "意式研磨"]),
    "flavour": ("口味", ["原味", "抹茶", "桂花", "红豆", "黑芝麻", "红茶", "蔓越莓"]),
}

# Attributes every class carries on its SKUs: the original price of a discounted SKU.
ORIGINAL_PRICE = ("original_price", "原价 (元)", "text", None)


@dataclass
class ProductClassData:
    slug: str
    name: str
    requires_shipping: bool
    image_kind: str
    # (code, name, type, option group code or None)
    attributes: list[tuple[str, str, str, str | None]]


PRODUCT_CLASSES = [
    ProductClassData(
        "loose-tea",
        "茶叶",
        True,
        "tin",
        [
            ("tea_size", "规格", "option", "tea-size"),
            ("origin", "产地", "text", None),
            ("harvest", "采摘", "text", None),
            ORIGINAL_PRICE,
        ],
    ),
    ProductClassData(
        "drink",
        "现制饮品",
        False,
        "cup",
        [
            ("cup_size", "杯型", "option", "cup-size"),
            ("temperature", "温度", "option", "temperature"),
            ORIGINAL_PRICE,
        ],
    ),
    ProductClassData(
        "coffee-beans",
        "咖啡豆",
        True,
        "bag",
        [
            ("bean_size", "规格", "option", "bean-size"),
            ("grind", "研磨", "option", "grind"),
            ("origin", "产地", "text", None),
            ("roast", "烘焙度", "text", None),
            ORIGINAL_PRICE,
        ],
    ),
    ProductClassData(
        "pastry",
        "茶点",
        True,
        "pastry",
        [
            ("flavour", "口味", "option", "flavour"),
            ORIGINAL_PRICE,
        ],
    ),
    ProductClassData(
        "teaware",
        "茶器",
        True,
        "teaware",
        [
            ("material", "材质", "text", None),
            ("capacity", "容量", "text", None),
            ORIGINAL_PRICE,
        ],
    ),
    ProductClassData(
        "gift-set",
        "礼盒",
        True,
        "gift",
        [
            ("contents", "内含", "text", None),
            ORIGINAL_PRICE,
        ],
    ),
]


@dataclass
class Sku:
    code: str
    label: str
    attributes: dict[str, str]
    price: str
    stock: int = 60
    original_price: str = ""
    low_stock_threshold: int = 5


@dataclass
class ProductData:
    upc: str
    title: str
    title_en: str
    product_class: str
    categories: list[str]
    description: str
    color: tuple[int, int, int]
    attributes: dict[str, str] = field(default_factory=dict)
    skus: list[Sku] = field(default_factory=list)
    # Standalone products (no SKUs) carry their own price and stock.
    price: str = ""
    stock: int = 0
    original_price: str = ""


def tea_sizes(p50, p100, p250, *, stock=None, was=None):
    stock, was = stock or {}, was or {}
    codes = {"50g 罐装": "50G", "100g 罐装": "100G", "250g 礼盒": "250G"}
    return [
        Sku(code, size, {"tea_size": size}, price, stock=stock.get(code, 40), original_price=was.get(code, ""))
        for (size, code), price in zip(codes.items(), (p50, p100, p250), strict=True)
    ]


def cups(medium, large, *, temps=("热", "冰"), stock=None, was=None):
    stock, was = stock or {}, was or {}
    temp_codes = {"热": "HOT", "冰": "ICE"}
    skus = []
    for size, size_code, price in (("中杯", "M", medium), ("大杯", "L", large)):
        for temp in temps:
            code = f"{size_code}-{temp_codes[temp]}"
            skus.append(
                Sku(
                    code,
                    f"{size} {temp}",
                    {"cup_size": size, "temperature": temp},
                    price,
                    stock=stock.get(code, 200),
                    original_price=was.get(code, ""),
                    low_stock_threshold=20,
                )
            )
    return skus


def beans(p250, p500, *, grinds=("整豆", "手冲研磨"), stock=None):
    stock = stock or {}
    grind_codes = {"整豆": "WB", "手冲研磨": "PO", "意式研磨": "ES"}
    return [
        Sku(
            f"{size}-{grind_codes[grind]}".upper(),
            f"{size} {grind}",
            {"bean_size": size, "grind": grind},
            price,
            stock=stock.get(f"{size}-{grind_codes[grind]}".upper(), 30),
        )
        for size, price in (("250g", p250), ("500g", p500))
        for grind in grinds
    ]


def flavours(price, names, *, stock=None, was=""):
    stock = stock or {}
    codes = {
        "原味": "ORIG",
        "抹茶": "MATCHA",
        "桂花": "OSMAN",
        "红豆": "REDBEAN",
        "黑芝麻": "SESAME",
        "红茶": "BLACKTEA",
        "蔓越莓": "CRAN",
    }
    return [
        Sku(codes[name], name, {"flavour": name}, price, stock=stock.get(codes[name], 50), original_price=was)
        for name in names
    ]


GREEN, OOLONG, BLACK, WHITE, PUER = (118, 160, 96), (150, 120, 60), (160, 70, 50), (205, 200, 170), (110, 70, 50)
MILK, FRUIT, COFFEE = (214, 186, 150), (240, 150, 60), (120, 80, 50)

PRODUCTS = [
    # --- Loose tea ---------------------------------------------------------------------
    ProductData(
        "QS-T-LONGJING",
        "明前西湖龙井",
        "West Lake Longjing",
        "loose-tea",
        ["green-tea"],
        "<p>龙井村核心产区明前头采，扁平挺直，豆花香清幽。</p><ul><li>冲泡：80°C 水，玻璃杯下投</li></ul>",
        GREEN,
        {"origin": "浙江杭州 西湖龙井村", "harvest": "2026年3月 明前"},
        tea_sizes("128.00", "238.00", "568.00", stock={"250G": 0}),
    ),
    ProductData(
        "QS-T-BILUOCHUN",
        "洞庭碧螺春",
        "Dongting Biluochun",
        "loose-tea",
        ["green-tea"],
        "<p>条索纤细卷曲如螺，满身披毫，花果香浓郁。</p>",
        (128, 170, 100),
        {"origin": "江苏苏州 东山", "harvest": "2026年3月"},
        tea_sizes("88.00", "168.00", "398.00"),
    ),
    ProductData(
        "QS-T-MAOFENG",
        "黄山毛峰",
        "Huangshan Maofeng",
        "loose-tea",
        ["green-tea"],
        "<p>形似雀舌，汤色清碧，回甘明显，日常口粮茶之选。</p>",
        (140, 176, 92),
        {"origin": "安徽黄山 汤口", "harvest": "2026年4月"},
        tea_sizes("58.00", "108.00", "258.00"),
    ),
    ProductData(
        "QS-T-TIEGUANYIN",
        "安溪铁观音",
        "Anxi Tieguanyin",
        "loose-tea",
        ["oolong"],
        "<p>清香型，颗粒紧结，兰花香明显，七泡有余香。</p>",
        (110, 140, 70),
        {"origin": "福建泉州 安溪", "harvest": "2026年秋茶"},
        tea_sizes("68.00", "128.00", "298.00"),
    ),
    ProductData(
        "QS-T-DAHONGPAO",
        "武夷大红袍",
        "Wuyi Da Hong Pao",
        "loose-tea",
        ["oolong"],
        "<p>传统炭焙，岩韵显，汤色橙黄明亮。</p>",
        OOLONG,
        {"origin": "福建 武夷山", "harvest": "2026年春"},
        tea_sizes("98.00", "188.00", "458.00"),
    ),
    ProductData(
        "QS-T-DANCONG",
        "凤凰单丛·蜜兰香",
        "Phoenix Dancong Honey Orchid",
        "loose-tea",
        ["oolong"],
        "<p>高山单丛，蜜香与兰香交织，适合小壶快出汤。</p>",
        (176, 130, 70),
        {"origin": "广东潮州 凤凰山", "harvest": "2026年春"},
        tea_sizes("88.00", "168.00", "398.00"),
    ),
    ProductData(
        "QS-T-LAPSANG",
        "正山小种",
        "Lapsang Souchong",
        "loose-tea",
        ["black-tea"],
        "<p>桐木关传统松烟工艺，桂圆香甜润。限时特惠。</p>",
        BLACK,
        {"origin": "福建 武夷山桐木关", "harvest": "2026年春"},
        tea_sizes("58.00", "98.00", "238.00", was={"100G": "128.00"}),
    ),
    ProductData(
        "QS-T-KEEMUN",
        "祁门红茶",
        "Keemun Black Tea",
        "loose-tea",
        ["black-tea"],
        "<p>“祁门香”蜜糖香，加奶同样出色。</p>",
        (150, 60, 50),
        {"origin": "安徽 祁门", "harvest": "2026年春"},
        tea_sizes("48.00", "88.00", "208.00"),
    ),
    ProductData(
        "QS-T-DIANHONG",
        "滇红金芽",
        "Dianhong Golden Buds",
        "loose-tea",
        ["black-tea"],
        "<p>单芽金毫显露，汤色红艳，甜香浓郁。</p>",
        (190, 120, 50),
        {"origin": "云南 凤庆", "harvest": "2026年春"},
        tea_sizes("68.00", "128.00", "298.00"),
    ),
    ProductData(
        "QS-T-SILVERNEEDLE",
        "福鼎白毫银针",
        "Fuding Silver Needle",
        "loose-tea",
        ["white-tea"],
        "<p>肥壮单芽，满披白毫，毫香蜜韵。</p>",
        WHITE,
        {"origin": "福建 福鼎", "harvest": "2026年3月"},
        [
            Sku("50G", "50g 罐装", {"tea_size": "50g 罐装"}, "138.00", stock=12),
            Sku("100G", "100g 罐装", {"tea_size": "100g 罐装"}, "258.00", stock=3),
        ],
    ),
    ProductData(
        "QS-T-WHITEPEONY",
        "白牡丹",
        "White Peony",
        "loose-tea",
        ["white-tea"],
        "<p>一芽二叶，花香清甜，耐存放。</p>",
        (190, 190, 150),
        {"origin": "福建 政和", "harvest": "2025年春"},
        tea_sizes("48.00", "88.00", "198.00"),
    ),
    ProductData(
        "QS-T-PUERH",
        "勐海熟普洱",
        "Menghai Ripe Pu-erh",
        "loose-tea",
        ["pu-erh"],
        "<p>陈香醇厚，汤色红浓，暖胃之选。</p>",
        PUER,
        {"origin": "云南 勐海", "harvest": "2021年"},
        tea_sizes("58.00", "108.00", "248.00"),
    ),
    # --- Tea drinks ----------------------------------------------------------------------
    ProductData(
        "QS-D-LONGJINGTEA",
        "龙井清茶",
        "Longjing Fresh Brew",
        "drink",
        ["pure-tea"],
        "<p>每杯现泡明前龙井，无糖。</p>",
        GREEN,
        {},
        cups("16.00", "19.00"),
    ),
    ProductData(
        "QS-D-COLDOOLONG",
        "冷泡乌龙",
        "Cold Brew Oolong",
        "drink",
        ["pure-tea"],
        "<p>8 小时低温冷萃，清爽回甘。</p>",
        OOLONG,
        {},
        cups("18.00", "21.00", temps=("冰",)),
    ),
    ProductData(
        "QS-D-OSMANTHUSMILK",
        "桂花乌龙奶茶",
        "Osmanthus Oolong Milk Tea",
        "drink",
        ["milk-tea"],
        "<p>桂花窨制乌龙，搭配鲜牛乳。</p>",
        MILK,
        {},
        cups("19.00", "23.00"),
    ),
    ProductData(
        "QS-D-BROWNSUGAR",
        "黑糖珍珠鲜奶",
        "Brown Sugar Boba Milk",
        "drink",
        ["milk-tea"],
        "<p>手炒黑糖，现煮珍珠，鲜牛乳。</p>",
        (150, 100, 60),
        {},
        cups("18.00", "22.00"),
    ),
    ProductData(
        "QS-D-JASMINEMILK",
        "茉莉奶绿",
        "Jasmine Milk Green Tea",
        "drink",
        ["milk-tea"],
        "<p>茉莉花茶七窨底，奶香轻盈。</p>",
        (200, 210, 170),
        {},
        cups("17.00", "21.00"),
    ),
    ProductData(
        "QS-D-MATCHALATTE",
        "宇治抹茶拿铁",
        "Uji Matcha Latte",
        "drink",
        ["milk-tea"],
        "<p>石磨抹茶现刷，鲜奶打底。</p>",
        (130, 170, 90),
        {},
        cups("22.00", "26.00"),
    ),
    ProductData(
        "QS-D-ORANGEGREEN",
        "满杯鲜橙绿妍",
        "Fresh Orange Green Tea",
        "drink",
        ["fruit-tea"],
        "<p>整颗鲜橙现榨，茉莉绿妍茶底。</p>",
        FRUIT,
        {},
        cups("19.00", "23.00", temps=("冰",)),
    ),
    ProductData(
        "QS-D-MANGOPOMELO",
        "杨枝甘露",
        "Mango Pomelo Sago",
        "drink",
        ["fruit-tea"],
        "<p>芒果、西柚、西米与椰奶。今日大杯已售罄。</p>",
        (250, 190, 60),
        {},
        cups("22.00", "26.00", temps=("冰",), stock={"L-ICE": 0}),
    ),
    ProductData(
        "QS-D-LYCHEEBLACK",
        "荔枝红茶",
        "Lychee Black Tea",
        "drink",
        ["fruit-tea"],
        "<p>妃子笑荔枝果肉，滇红茶底。</p>",
        (230, 140, 150),
        {},
        cups("18.00", "22.00"),
    ),
    # --- Coffee ----------------------------------------------------------------------
    ProductData(
        "QS-C-AMERICANO",
        "美式咖啡",
        "Americano",
        "drink",
        ["espresso-drinks"],
        "<p>青山拼配豆，双份浓缩。</p>",
        (70, 45, 30),
        {},
        cups("15.00", "18.00"),
    ),
    ProductData(
        "QS-C-LATTE",
        "拿铁",
        "Caffe Latte",
        "drink",
        ["espresso-drinks"],
        "<p>双份浓缩与丝滑奶泡。</p>",
        COFFEE,
        {},
        cups("20.00", "24.00"),
    ),
    ProductData(
        "QS-C-OSMANTHUSLATTE",
        "桂花拿铁",
        "Osmanthus Latte",
        "drink",
        ["espresso-drinks"],
        "<p>秋季限定，桂花蜜与拿铁。限时特惠。</p>",
        (200, 150, 80),
        {},
        cups("19.00", "22.00", was={"M-HOT": "26.00", "M-ICE": "26.00", "L-HOT": "29.00", "L-ICE": "29.00"}),
    ),
    ProductData(
        "QS-C-FLATWHITE",
        "澳白",
        "Flat White",
        "drink",
        ["espresso-drinks"],
        "<p>Ristretto 萃取，细腻奶泡，只做热饮。</p>",
        (160, 120, 90),
        {},
        cups("24.00", "27.00", temps=("热",)),
    ),
    ProductData(
        "QS-B-BAOSHAN",
        "云南保山小粒咖啡豆",
        "Yunnan Baoshan Beans",
        "coffee-beans",
        ["coffee-beans"],
        "<p>保山潞江坝日晒处理，坚果与焦糖风味。</p>",
        (150, 90, 50),
        {"origin": "云南 保山", "roast": "中度烘焙"},
        beans("68.00", "128.00"),
    ),
    ProductData(
        "QS-B-YIRGACHEFFE",
        "埃塞俄比亚耶加雪菲",
        "Ethiopia Yirgacheffe",
        "coffee-beans",
        ["coffee-beans"],
        "<p>水洗处理，柑橘与茉莉花香。</p>",
        (200, 160, 80),
        {"origin": "埃塞俄比亚 耶加雪菲", "roast": "浅度烘焙"},
        beans("88.00", "158.00", stock={"500G-PO": 2}),
    ),
    ProductData(
        "QS-B-BLEND",
        "青山意式拼配豆",
        "Qingshan Espresso Blend",
        "coffee-beans",
        ["coffee-beans"],
        "<p>门店同款意式豆，黑巧与红糖风味。</p>",
        (90, 60, 40),
        {"origin": "云南 / 巴西", "roast": "深度烘焙"},
        beans("58.00", "108.00", grinds=("整豆", "意式研磨")),
    ),
    # --- Pastries ----------------------------------------------------------------------
    ProductData(
        "QS-P-MUNGBEAN",
        "绿豆糕",
        "Mung Bean Cake",
        "pastry",
        ["chinese-pastries"],
        "<p>六枚装，低糖，入口即化。</p>",
        (180, 200, 120),
        {},
        flavours("32.00", ["原味", "抹茶", "桂花"]),
    ),
    ProductData(
        "QS-P-EGGYOLK",
        "蛋黄酥",
        "Egg Yolk Pastry",
        "pastry",
        ["chinese-pastries"],
        "<p>六枚装，咸蛋黄与酥皮层层分明。</p>",
        (220, 170, 80),
        {},
        flavours("42.00", ["红豆", "黑芝麻"], stock={"SESAME": 4}),
    ),
    ProductData(
        "QS-P-PINEAPPLE",
        "凤梨酥",
        "Pineapple Cake",
        "pastry",
        ["chinese-pastries"],
        "<p>八枚装，土凤梨果馅，微酸不腻。</p>",
        (230, 190, 90),
        {},
        flavours("48.00", ["原味", "蔓越莓"]),
    ),
    ProductData(
        "QS-P-SCONE",
        "英式司康",
        "Scone",
        "pastry",
        ["bakery"],
        "<p>两枚装，配奶油与果酱。</p>",
        (210, 170, 120),
        {},
        flavours("26.00", ["原味", "抹茶", "红茶"]),
    ),
    ProductData(
        "QS-P-BASQUE",
        "巴斯克芝士蛋糕",
        "Basque Cheesecake",
        "pastry",
        ["bakery"],
        "<p>六寸，焦香表皮，半熟内心。限时特惠。</p>",
        (190, 120, 60),
        {},
        flavours("88.00", ["原味", "抹茶"], was="108.00"),
    ),
    # --- Teaware (standalone) ---------------------------------------------------------------
    ProductData(
        "QS-W-GAIWAN",
        "白瓷盖碗",
        "White Porcelain Gaiwan",
        "teaware",
        ["teapots"],
        "<p>德化白瓷，薄胎不烫手。</p>",
        (235, 235, 230),
        {"material": "德化白瓷", "capacity": "150ml"},
        price="128.00",
        stock=25,
        original_price="168.00",
    ),
    ProductData(
        "QS-W-FAIRCUP",
        "玻璃公道杯",
        "Glass Fair Cup",
        "teaware",
        ["tea-cups"],
        "<p>高硼硅玻璃，断水利落。</p>",
        (200, 225, 235),
        {"material": "高硼硅玻璃", "capacity": "250ml"},
        price="58.00",
        stock=40,
    ),
    ProductData(
        "QS-W-RUCUP",
        "汝窑品茗杯",
        "Ru Kiln Tasting Cup",
        "teaware",
        ["tea-cups"],
        "<p>天青釉，开片随使用逐渐变化。</p>",
        (160, 190, 185),
        {"material": "汝窑陶瓷", "capacity": "60ml"},
        price="88.00",
        stock=4,
    ),
    ProductData(
        "QS-W-TRAVELSET",
        "便携旅行茶具套装",
        "Travel Tea Set",
        "teaware",
        ["teapots"],
        "<p>一壶三杯，收纳包随行。</p>",
        (120, 100, 80),
        {"material": "陶瓷 / 帆布", "capacity": "200ml"},
        price="168.00",
        stock=0,
    ),
    # --- Gift sets (standalone) -------------------------------------------------------------
    ProductData(
        "QS-G-SPRING",
        "江南春茶礼盒",
        "Jiangnan Spring Tea Gift Box",
        "gift-set",
        ["gift-sets", "green-tea"],
        "<p>西湖龙井、洞庭碧螺春、黄山毛峰各 50g。</p>",
        (60, 110, 80),
        {"contents": "龙井 50g、碧螺春 50g、毛峰 50g"},
        price="328.00",
        stock=18,
    ),
    ProductData(
        "QS-G-TEATIME",
        "青山茶点礼盒",
        "Qingshan Tea Time Gift Box",
        "gift-set",
        ["gift-sets", "chinese-pastries"],
        "<p>正山小种 50g 与绿豆糕、凤梨酥各一盒。</p>",
        (170, 60, 50),
        {"contents": "正山小种 50g、绿豆糕 6 枚、凤梨酥 8 枚"},
        price="158.00",
        stock=30,
    ),
]
