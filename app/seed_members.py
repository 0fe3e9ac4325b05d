"""Demo members with realistic mainland-China data, enrolled through services/members."""

from __future__ import annotations

import asyncio
import random
from datetime import date, datetime, timedelta

from app.progress import Progress
from models.enums import EnrollmentChannel, Gender
from services import members
from services.clock import utcnow
from services.errors import Duplicate
from services.members.enrollment import member_no_of
from services.members.profile import CONSENT_FIELDS
from services.validation import id_check_character

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭"
    "曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方")
GIVEN_MALE = "伟强磊军勇杰涛斌超明辉刚鹏华飞波宇浩然俊峰建国志文博"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞婷雪慧莉玲燕红琳颖倩欣怡佳琪梦瑶萍"
# Administrative division code, the place it names, and streets there.
PLACES = (
    ("110105", "北京市朝阳区", ("建国路", "朝阳北路", "望京街", "三里屯路")),
    ("110108", "北京市海淀区", ("中关村大街", "学院路", "知春路")),
    ("310115", "上海市浦东新区", ("世纪大道", "张杨路", "陆家嘴环路")),
    ("310104", "上海市徐汇区", ("漕溪北路", "天钥桥路", "虹桥路")),
    ("440305", "广东省深圳市南山区", ("科技园路", "南海大道", "后海大道")),
    ("440106", "广东省广州市天河区", ("天河路", "体育西路", "华夏路")),
    ("330106", "浙江省杭州市西湖区", ("文三路", "天目山路", "教工路")),
    ("320102", "江苏省南京市玄武区", ("中山路", "珠江路", "北京东路")),
    ("510107", "四川省成都市武侯区", ("人民南路", "科华北路", "武侯祠大街")),
    ("420106", "湖北省武汉市武昌区", ("中北路", "武珞路", "珞喻路")),
    ("610113", "陕西省西安市雁塔区", ("小寨东路", "长安南路", "科技路")),
    ("500103", "重庆市渝中区", ("解放碑步行街", "中山三路", "民生路")),
)
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "157",
    "158",
    "159",
    "166",
    "176",
    "177",
    "180",
    "181",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
)
MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "outlook.com", "foxmail.com")
CHANNELS = tuple(EnrollmentChannel)
SPREAD_DAYS = 3 * 365
# The member README and seed-demo's last lines name, who signs in with this phone.
DEMO_PHONE = "13800138000"
DEMO_BIRTH_DATE = date(1990, 5, 20)
# Enrollments in flight at once: PostgreSQL overlaps their round trips; SQLite's single
# connection simply takes them in turn.
CONCURRENCY = 8


def _name(rng: random.Random, gender: Gender) -> str:
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.02 else rng.choice(SURNAMES)
    pool = GIVEN_MALE if gender is Gender.MALE else GIVEN_FEMALE
    return surname + "".join(rng.choice(pool) for _ in range(rng.choice((1, 2))))


def _id_number(division: str, born: date, gender: Gender, rng: random.Random) -> str:
    # The sequence's last digit is odd for men and even for women.
    sequence = rng.randrange(0, 100) * 10 + rng.randrange(0, 10, 2)
    if gender is Gender.MALE:
        sequence += 1
    first17 = f"{division}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check_character(first17)


def _address(place: str, streets: tuple[str, ...], rng: random.Random) -> str:
    building = f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元"
    room = f"{rng.randint(1, 32)}{rng.randint(1, 4):02d}室"
    return f"{place}{rng.choice(streets)}{rng.randint(1, 999)}号{building}{room}"


def _email(rng: random.Random, phone: str) -> str | None:
    roll = rng.random()
    if roll < 0.3:
        return None
    if roll < 0.6:
        return f"{rng.randint(10_000_000, 3_999_999_999)}@qq.com"
    local = f"{rng.choice('abcdefghjkmnpqrstuvwxyz')}{phone[-6:]}"
    return f"{local}@{rng.choice(MAIL_DOMAINS)}"


def demo_profile(rng: random.Random, today: date) -> members.Profile:
    gender = Gender.MALE if rng.random() < 0.5 else Gender.FEMALE
    born = today - timedelta(days=rng.randint(18 * 365, 70 * 365))
    division, place, streets = rng.choice(PLACES)
    phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    return members.Profile(
        name=_name(rng, gender),
        gender=gender,
        birth_date=born,
        phone=phone,
        email=_email(rng, phone),
        address=_address(place, streets, rng),
        id_number=_id_number(division, born, gender, rng),
    )


def _consents(rng: random.Random) -> dict[str, bool | None]:
    return {key: rng.random() < 0.6 for key in CONSENT_FIELDS}


def demo_member_profile() -> members.Profile:
    first17 = f"310115{DEMO_BIRTH_DATE:%Y%m%d}123"  # Pudong, born 1990-05-20, a man (odd)
    return members.Profile(
        name="王小明",
        gender=Gender.MALE,
        birth_date=DEMO_BIRTH_DATE,
        phone=DEMO_PHONE,
        email="xiaoming.wang@example.com",
        address="上海市浦东新区世纪大道100号1栋2单元1201室",
        id_number=first17 + id_check_character(first17),
    )


async def enroll_demo_member(password: str) -> int:
    """Enroll the member who signs in with DEMO_PHONE and `password`, joined before every
    member `seed` enrolls (so first in join order), consenting to everything; their id."""
    joined_at = utcnow() - timedelta(days=SPREAD_DAYS)
    consents: dict[str, bool | None] = dict.fromkeys(CONSENT_FIELDS, True)
    review = await members.enroll(
        demo_member_profile(), EnrollmentChannel.APP, joined_at, consents=consents
    )
    # An approval links the application to its new member.
    member_id: int = review.application.member_id  # type: ignore[assignment]
    # Activated in the app within the hour: the session that issued expired long ago.
    activated_at = joined_at + timedelta(hours=1)
    code: str = review.activation_code  # type: ignore[assignment]  # an approval issues one
    await members.activate_membership(member_no_of(member_id), code, password, activated_at)
    return member_id


async def seed(count: int, *, seed_value: int = 2024, progress: bool = True) -> list[int]:
    """Enroll `count` members (joined over the last three years); their ids in join order."""
    rng = random.Random(seed_value)
    now = utcnow()
    joins = sorted(
        now - timedelta(seconds=rng.randint(0, SPREAD_DAYS * 86_400)) for _ in range(count)
    )
    bar = Progress(count, "members") if progress and count else None
    member_ids: list[int] = []
    for start in range(0, count, CONCURRENCY):
        batch = joins[start : start + CONCURRENCY]
        member_ids += await asyncio.gather(*(_enroll_one(rng, joined) for joined in batch))
        if bar is not None:
            bar.advance(len(batch))
    return member_ids


async def _enroll_one(rng: random.Random, joined_at: datetime) -> int:
    while True:
        profile = demo_profile(rng, joined_at.date())
        channel = rng.choice(CHANNELS)
        try:
            review = await members.enroll(profile, channel, joined_at, consents=_consents(rng))
        except Duplicate:
            continue  # a random phone or ID number already taken: draw another person
        # An approval links the application to its new member.
        return review.application.member_id  # type: ignore[return-value]
