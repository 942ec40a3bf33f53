"""Rebuild the tables of the "Ask your data" evaluation set (tests/data/questions/tables/).

The tables are committed, so nobody needs to run this; it exists so that they can be
re-made or extended without hand-editing 200-row files, and so a reviewer can see how
each quirk (cp932, thousands separators, full-width digits, gaps, duplicates) got in.
Everything comes from one seeded `random.Random`, so a rebuild gives the same bytes.
Changing a table changes the reference answers in questions.yaml: rerun
`tests/unit/analysis/test_question_set.py` and re-check the printed answers by eye.

    .venv/bin/python tests/data/questions/make_tables.py
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

SEED = 20240612
OUT = Path(__file__).resolve().parent / "tables"


def _write_csv(
    name: str,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    encoding: str = "utf-8",
    newline: str = "\n",
    bom: bool = False,
) -> None:
    """Write rows as CSV exactly as given (cells are already the text a tool would write)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    data = buffer.getvalue().encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    (OUT / name).write_bytes(data)


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _yen(amount: int) -> str:
    return f"{amount:,}"


def shop_sales(rng: random.Random) -> None:
    """An online shop's order lines, January–June 2024 (English headers, Japanese cities)."""
    products = [
        ("Coffee Beans", "Food", 1200),
        ("Green Tea", "Food", 800),
        ("Chocolate", "Food", 450),
        ("Mug", "Kitchen", 1500),
        ("Kettle", "Kitchen", 3800),
        ("Tote Bag", "Goods", 2200),
        ("Notebook", "Stationery", 350),
        ("Pen Set", "Stationery", 980),
    ]
    weights = [14, 12, 16, 9, 4, 6, 18, 8]
    cities = ["東京", "大阪", "名古屋", "福岡", "札幌"]
    city_weights = [36, 24, 16, 14, 10]
    dates = sorted(rng.choice(_days(dt.date(2024, 1, 4), dt.date(2024, 6, 28))) for _ in range(200))
    rows = []
    for number, day in enumerate(dates, start=1):
        name, category, price = rng.choices(products, weights)[0]
        quantity = rng.choices([1, 2, 3, 4, 5, 6], [40, 25, 15, 10, 6, 4])[0]
        city = rng.choices(cities, city_weights)[0]
        rows.append([f"S{number:04d}", day.isoformat(), name, category, quantity, price, city])
    header = ["order_id", "date", "product", "category", "quantity", "unit_price", "city"]
    _write_csv("shop_sales.csv", header, rows)


def attendance(rng: random.Random) -> None:
    """Weekly lessons of two classes, April–June 2024: who came, who was late and by how much."""
    names = [
        "Sato Yuki", "Suzuki Haruto", "Takahashi Mei", "Tanaka Sota", "Ito Hina",
        "Watanabe Ren", "Yamamoto Aoi", "Nakamura Riku", "Kobayashi Yui", "Kato Minato",
        "Yoshida Sakura", "Yamada Kaito", "Sasaki Rin", "Yamaguchi Daiki", "Matsumoto Mio",
        "Inoue Takumi",
    ]  # fmt: skip
    reliability = [0.97, 0.9, 0.85, 0.95, 0.7, 0.92, 0.98, 0.8, 0.88, 0.6,
                   0.93, 0.86, 0.99, 0.75, 0.9, 0.83]  # fmt: skip
    lessons = [dt.date(2024, 4, 8) + dt.timedelta(weeks=w) for w in range(10)]
    rows = []
    for day in lessons:
        for index, name in enumerate(names):
            klass = "A" if index < 8 else "B"
            draw = rng.random()
            if draw > reliability[index]:
                status, late = "absent", None
            elif draw > reliability[index] - 0.08:
                status, late = "late", rng.choice([5, 5, 10, 10, 15, 20, 30])
            else:
                status, late = "present", None
            rows.append([day.isoformat(), klass, f"S{index + 1:02d}", name, status, late])
    header = ["date", "class", "student_id", "student_name", "status", "minutes_late"]
    _write_csv("attendance.csv", header, rows)


def survey(rng: random.Random) -> None:
    """A Japanese customer survey saved by Excel as "CSV UTF-8" (with a BOM)."""
    ages = ["10代", "20代", "30代", "40代", "50代", "60代以上"]
    age_weights = [6, 22, 26, 20, 16, 10]
    prefectures = ["東京都", "神奈川県", "大阪府", "愛知県", "福岡県", "北海道", "埼玉県",
                   "千葉県", "京都府", "兵庫県"]  # fmt: skip
    pref_weights = [24, 12, 14, 9, 7, 6, 9, 8, 5, 6]
    frequency = ["毎日", "週に数回", "月に数回", "ほとんど使わない"]
    comments = [
        "配送が早くて助かります", "もう少し安いと嬉しいです", "アプリが使いやすい",
        "問い合わせの返事が遅い", "品揃えが良い", "梱包が丁寧でした",
        "ポイント制度を改善してほしい",
    ]  # fmt: skip
    rows = []
    for number in range(1, 121):
        day = dt.date(2024, 6, 1) + dt.timedelta(days=rng.randrange(14))
        age = rng.choices(ages, age_weights)[0]
        freq = rng.choices(frequency, [20, 35, 30, 15])[0]
        base = {"毎日": 4.2, "週に数回": 3.8, "月に数回": 3.3, "ほとんど使わない": 2.6}[freq]
        score = max(1, min(5, round(rng.gauss(base, 0.9))))
        recommend = "はい" if score >= 4 or (score == 3 and rng.random() < 0.3) else "いいえ"
        comment = rng.choice(comments) if rng.random() < 0.3 else None
        rows.append([
            number,
            f"{day.year}/{day.month}/{day.day}",
            age,
            rng.choices(["女性", "男性", "回答しない"], [48, 46, 6])[0],
            rng.choices(prefectures, pref_weights)[0],
            score,
            freq,
            recommend,
            comment,
        ])  # fmt: skip
    header = ["回答ID", "回答日", "年代", "性別", "都道府県", "満足度", "利用頻度",
              "おすすめしたい", "自由記述"]  # fmt: skip
    _write_csv("survey_ja.csv", header, rows, bom=True)


def household_budget(rng: random.Random) -> None:
    """A family's expense book, January–June 2024; amounts written as "1,280円"."""
    rows: list[tuple[dt.date, str, str, int, str]] = []
    for month in range(1, 7):
        rows.append((dt.date(2024, month, 25), "住居費", "家賃", 85000, "口座振替"))
        rows.append((dt.date(2024, month, 10), "通信費", "携帯電話", 4980, "クレジットカード"))
        rows.append(
            (dt.date(2024, month, 10), "通信費", "インターネット", 5280, "クレジットカード")
        )
        electricity = {1: 12400, 2: 11800, 3: 9600, 4: 7400, 5: 6300, 6: 7100}[month]
        rows.append((dt.date(2024, month, 15), "水道光熱費", "電気代", electricity, "口座振替"))
        gas = {1: 7800, 2: 7500, 3: 6200, 4: 4800, 5: 3900, 6: 3500}[month]
        rows.append((dt.date(2024, month, 18), "水道光熱費", "ガス代", gas, "口座振替"))
        if month % 2 == 0:
            rows.append((dt.date(2024, month, 20), "水道光熱費", "水道代", 6400, "口座振替"))
    spots = [
        ("食費", "スーパー", 1200, 6800, 7),
        ("食費", "コンビニ", 300, 1500, 4),
        ("食費", "外食", 1500, 9000, 2),
        ("日用品", "ドラッグストア", 500, 4000, 2),
        ("交通費", "電車", 200, 1800, 3),
        ("娯楽費", "映画", 1900, 3800, 1),
        ("医療費", "病院", 1500, 4500, 0),
    ]
    payment = ["現金", "クレジットカード", "電子マネー"]
    for month in range(1, 7):
        days = _days(dt.date(2024, month, 1), dt.date(2024, month, 28))
        for category, item, low, high, per_month in spots:
            count = per_month + (1 if rng.random() < 0.5 else 0)
            for _ in range(count):
                amount = rng.randrange(low, high, 10)
                rows.append((rng.choice(days), category, item, amount, rng.choice(payment)))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    _write_csv(
        "household_budget.csv",
        ["日付", "費目", "内容", "金額", "支払方法"],
        ([f"{d.year}/{d.month}/{d.day}", c, i, f"{_yen(a)}円", p] for d, c, i, a, p in rows),
    )


def inventory(rng: random.Random) -> None:
    """A small wholesaler's stock list; SKUs are codes with leading zeros."""
    items = {
        "Cleaning": ["Dish Soap", "Sponge 3-pack", "Bleach", "Glass Cleaner", "Laundry Powder",
                     "Rubber Gloves", "Trash Bags 45L", "Floor Wipes"],
        "Paper": ["Toilet Paper 12R", "Kitchen Towel", "Tissue Box 5P", "Copy Paper A4",
                  "Paper Cups", "Napkins"],
        "Snacks": ["Rice Crackers", "Potato Chips", "Chocolate Bar", "Gummies", "Mixed Nuts",
                   "Senbei Box", "Cookies"],
        "Drinks": ["Green Tea 2L", "Mineral Water 2L", "Coffee Can", "Orange Juice 1L",
                   "Sports Drink", "Barley Tea 2L"],
        "Office": ["Ballpoint Pen", "Stapler", "Sticky Notes", "Envelope A4", "Clear File",
                   "Scissors", "Tape"],
    }  # fmt: skip
    cost_range = {"Cleaning": (90, 600), "Paper": (150, 900), "Snacks": (80, 500),
                  "Drinks": (70, 300), "Office": (60, 800)}  # fmt: skip
    warehouses = ["Chiba", "Saitama", "Osaka"]
    rows = []
    sku = 101
    for category, names in items.items():
        for name in names:
            for warehouse in rng.sample(warehouses, rng.choice([1, 2, 2])):
                low, high = cost_range[category]
                stock = 0 if rng.random() < 0.1 else rng.randrange(3, 400)
                restocked = dt.date(2024, 3, 1) + dt.timedelta(days=rng.randrange(90))
                rows.append([
                    f"{sku:05d}", name, category, warehouse, stock,
                    rng.choice([20, 30, 50, 80, 100]), rng.randrange(low, high, 5),
                    restocked.isoformat(),
                ])  # fmt: skip
            sku += 1
    header = ["sku", "item", "category", "warehouse", "stock", "reorder_level", "unit_cost",
              "last_restocked"]  # fmt: skip
    _write_csv("inventory.csv", header, rows)


def pos_export(rng: random.Random) -> None:
    """A Japanese POS register's export: cp932, CRLF, prices with thousands separators."""
    goods = [
        ("0011", "おにぎり 鮭", 160), ("0012", "おにぎり 梅", 150), ("0105", "幕の内弁当", 680),
        ("0230", "緑茶 500ml", 140), ("0231", "ほうじ茶 500ml", 140),
        ("0502", "コーヒー豆 200g", 1280), ("0777", "日本酒 720ml", 1680),
        ("0901", "贈答用ギフトセット", 3240), ("0415", "どら焼き", 220),
    ]  # fmt: skip
    weights = [18, 14, 12, 16, 8, 6, 5, 3, 10]
    stores = ["新宿店", "渋谷店", "梅田店"]
    staff = {"新宿店": ["髙橋", "佐藤"], "渋谷店": ["山﨑", "鈴木"], "梅田店": ["田中", "中村"]}
    rows = []
    for number in range(150):
        day = dt.date(2024, 5, 1) + dt.timedelta(days=rng.randrange(31))
        code, name, price = rng.choices(goods, weights)[0]
        quantity = rng.choices([1, 2, 3, 4, 5, 10], [50, 25, 10, 6, 5, 4])[0]
        store = rng.choices(stores, [45, 30, 25])[0]
        rows.append([
            100001 + number, day, store, code, name, quantity, price, quantity * price,
            rng.choice(staff[store]),
        ])  # fmt: skip
    rows.sort(key=lambda r: (r[1], r[0]))
    for index, row in enumerate(rows):
        row[0] = 100001 + index
        day = row[1]
        row[1] = f"{day.year}/{day.month:02d}/{day.day:02d}"
        row[6], row[7] = _yen(row[6]), _yen(row[7])
    header = ["伝票番号", "日付", "店舗", "商品コード", "商品名", "数量", "単価", "金額", "担当者"]
    _write_csv("pos_export_sjis.csv", header, rows, encoding="cp932", newline="\r\n")


def two_year_workbook(rng: random.Random) -> None:
    """Monthly sales of two stores, one sheet per year ("2023", "2024"), made with openpyxl."""
    from openpyxl import Workbook

    book = Workbook()
    base = {"本店": 1_800_000, "駅前店": 1_150_000}
    season = [0.92, 0.85, 1.0, 1.02, 1.05, 0.95, 1.08, 1.12, 0.97, 1.0, 1.04, 1.3]
    for sheet_index, year in enumerate((2023, 2024)):
        sheet = book.active if sheet_index == 0 else book.create_sheet()
        sheet.title = str(year)
        sheet.append(["月", "店舗", "売上", "客数"])
        growth = 1.0 if year == 2023 else 1.07
        for month in range(1, 13):
            for store, amount in base.items():
                factor = season[month - 1] * growth * rng.uniform(0.94, 1.06)
                if store == "駅前店" and year == 2024 and month >= 7:
                    factor *= 1.15  # the station store was renovated in summer 2024
                sales = round(amount * factor, -3)
                customers = round(sales / rng.uniform(1450, 1650))
                sheet.append([month, store, int(sales), customers])
    fixed = dt.datetime(2024, 6, 12, 9, 0, 0)
    book.properties.created = fixed
    book.properties.creator = "make_tables.py"
    book.save(OUT / "sales_2years.xlsx")
    _pin_zip(OUT / "sales_2years.xlsx", fixed)


def _pin_zip(path: Path, when: dt.datetime) -> None:
    """Give every member of an .xlsx the same date (openpyxl stamps "now"), for equal bytes."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            pinned = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            pinned.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(pinned, data)


def dirty_members(rng: random.Random) -> None:
    """A membership list typed by hand: gaps, duplicate rows, mixed dates and digits."""
    families = ["山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤",
                "吉田", "山口", "松本", "井上", "木村"]  # fmt: skip
    givens = ["太郎", "花子", "健太", "美咲", "翔", "陽菜", "大輔", "彩", "拓也", "由美",
              "蓮", "結衣", "直樹", "真由美", "悠斗"]  # fmt: skip
    cities = ["東京", "大阪", "名古屋", "横浜", "福岡"]
    rows = []
    for number in range(1, 56):
        family, given = rng.choice(families), rng.choice(givens)
        space = rng.choices([" ", "\u3000"], [2, 1])[0]
        name = f"{family}{space}{given}"
        if rng.random() < 0.12:
            name = f" {name} "
        day = dt.date(2023, 4, 1) + dt.timedelta(days=rng.randrange(450))
        style = rng.randrange(3)
        joined = [day.isoformat(), f"{day.year}/{day.month}/{day.day}",
                  f"{day.year}年{day.month}月{day.day}日"][style]  # fmt: skip
        if rng.random() < 0.06:
            joined = None
        city = rng.choice(cities)
        if rng.random() < 0.15:
            city = rng.choice([f" {city}", f"{city} "])
        if rng.random() < 0.08:
            city = None
        amount = rng.randrange(500, 48000, 100)
        written = rng.choices(
            [str(amount), _yen(amount), _yen(amount).translate(_FULL_WIDTH), f"¥{_yen(amount)}",
             f"{amount}円", None],
            [3, 4, 2, 2, 2, 1],
        )[0]  # fmt: skip
        visits = rng.randrange(1, 25)
        visits_text = str(visits) if rng.random() < 0.8 else str(visits).translate(_FULL_WIDTH)
        if rng.random() < 0.05:
            visits_text = None
        rows.append([f"{number:06d}", name, joined, city, written, visits_text])
    for source, target in ((3, 10), (17, 25), (30, 41), (8, 52)):
        rows.insert(target, list(rows[source]))  # the same member pasted twice
    header = ["会員番号", "氏名", "入会日", "都市", "購入額", "来店回数"]
    _write_csv("dirty_members.csv", header, rows)


_FULL_WIDTH = str.maketrans("0123456789,", "０１２３４５６７８９，")


def orders_and_customers(rng: random.Random) -> None:
    """Two exports that share customer_id: 30 customers (some never ordered) and 150 orders."""
    names = [
        "Aoki Kenji", "Baba Emi", "Chiba Shota", "Doi Naomi", "Endo Koji", "Fujita Ai",
        "Goto Takeshi", "Hara Mika", "Ishii Ryo", "Ikeda Kana", "Kondo Shin", "Maeda Yoko",
        "Mori Hiroshi", "Murata Asami", "Nagai Jun", "Noguchi Rie", "Ogawa Tetsu", "Okada Mai",
        "Ono Kazuya", "Saito Nana", "Sakai Yusuke", "Shimizu Eri", "Sugiyama Go", "Takeda Ayumi",
        "Ueda Masato", "Wada Chika", "Yano Kenta", "Yokoyama Saki", "Yasuda Toru", "Imai Nozomi",
    ]  # fmt: skip
    cities = ["Tokyo", "Osaka", "Kyoto", "Nagoya", "Fukuoka"]
    customers = []
    for index, name in enumerate(names, start=1):
        signup = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(700))
        customers.append([
            f"C{index:03d}", name, rng.choices(cities, [40, 25, 10, 15, 10])[0],
            rng.choices(["Retail", "Business"], [70, 30])[0], signup.isoformat(),
        ])  # fmt: skip
    _write_csv(
        "customers.csv", ["customer_id", "name", "city", "segment", "signup_date"], customers
    )
    buyers = [c[0] for c in customers if c[0] not in {"C007", "C019", "C026"}]
    activity = [rng.uniform(0.3, 3.0) for _ in buyers]
    segment = {c[0]: c[3] for c in customers}
    rows = []
    for _ in range(150):
        customer = rng.choices(buyers, activity)[0]
        day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(182))
        scale = 4.0 if segment[customer] == "Business" else 1.0
        amount = int(round(rng.lognormvariate(8.3, 0.6) * scale, -1))
        status = rng.choices(["shipped", "cancelled", "returned"], [88, 8, 4])[0]
        rows.append([day, customer, amount, status])
    rows.sort(key=lambda r: (r[0], r[1]))
    _write_csv(
        "orders.csv",
        ["order_id", "customer_id", "order_date", "amount", "status"],
        ([f"O{1001 + i}", c, d.isoformat(), a, s] for i, (d, c, a, s) in enumerate(rows)),
    )


def web_visitors(rng: random.Random) -> None:
    """Monthly figures of a small website, 2023-01 to 2024-12."""
    rows = []
    visitors = 4200.0
    for index in range(24):
        year, month = 2023 + index // 12, index % 12 + 1
        visitors *= rng.uniform(0.95, 1.09)
        if (year, month) == (2024, 3):
            visitors *= 1.35  # a TV mention
        if (year, month) == (2024, 4):
            visitors /= 1.25
        count = int(visitors)
        views = int(count * rng.uniform(2.6, 3.4))
        signups = int(count * rng.uniform(0.012, 0.025))
        rows.append([f"{year}-{month:02d}", count, views, signups])
    _write_csv("web_visitors.csv", ["month", "visitors", "page_views", "signups"], rows)


def products(rng: random.Random) -> None:
    """A price comparison list: price, average rating and number of reviews per product."""
    kinds = {
        "Headphones": (2980, 29800),
        "Keyboard": (1980, 19800),
        "Mouse": (980, 9800),
        "Monitor": (14800, 59800),
        "Webcam": (2480, 14800),
    }
    brands = ["Sakura", "Fuji", "Kumo", "Hikari", "Nami"]
    rows = []
    used: set[int] = set()
    number = 1
    for kind, (low, high) in kinds.items():
        for brand in brands:
            if rng.random() < 0.2:
                continue
            for model in rng.sample(["Lite", "Pro", "Max"], 2):
                price = rng.randrange(low, high, 100)
                while price in used:
                    price += 100
                used.add(price)
                quality = (price - low) / (high - low)
                rating = round(min(5.0, max(1.0, rng.gauss(3.2 + 1.4 * quality, 0.45))), 1)
                reviews = int(rng.lognormvariate(4.0, 1.0))
                rows.append([
                    f"P{number:03d}", f"{brand} {kind} {model}", brand, kind, price, rating,
                    reviews, rng.choices(["yes", "no"], [85, 15])[0],
                ])  # fmt: skip
                number += 1
    header = ["product_id", "name", "brand", "type", "price", "rating", "reviews", "in_stock"]
    _write_csv("products.csv", header, rows)


def main() -> None:
    """Write every table; each builder draws from the same generator in a fixed order."""
    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    for build in (
        shop_sales,
        attendance,
        survey,
        household_budget,
        inventory,
        pos_export,
        two_year_workbook,
        dirty_members,
        orders_and_customers,
        web_visitors,
        products,
    ):
        build(rng)
    print("\n".join(sorted(p.name for p in OUT.iterdir())))


if __name__ == "__main__":
    main()
