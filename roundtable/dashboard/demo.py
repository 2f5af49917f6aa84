"""Demo data: the Yuzhong District (渝中区) roundtable of DOMAIN.md, for ``manage.py load_demo``.

The institution (department names, roles, the roundtable's shape) follows the source documents;
every person, phone number, e-mail address, enterprise and credit code is invented. Office phones
are ``023-6000-0xxx`` and mobiles ``13x-0000-xxxx``: placeholders, not anyone's number.

Everything is drawn from a fixed random seed and dated relative to today, so two loads on the
same day give the same data. What the base set promises (every department leads and co-handles
issues; every status, category and source; overdue and due-soon issues; an issue almost a year
old) holds by rule on any day, holidays and unpublished calendar years included: see
``BaseLoader.date_by_rule``, ``cover_templates`` and ``plan_co_handlers``.

``load_base`` builds the institution, people, enterprises, meetings and ~150 issues whose
timelines are consistent with their status. ``add_enterprises`` and ``add_issues`` add synthetic
rows in bulk for load tests: they go through ``bulk_create`` and so leave no history rows.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from departments.models import Department, DepartmentMembership
from issues.models import (
    ActionUpdate,
    Assignment,
    Category,
    ExtensionRequest,
    Issue,
    ReferenceCounter,
    SpecialStudy,
)
from issues.references import format_reference, next_reference
from roundtable.accounts.models import Language, Role, User
from roundtable.enterprises.models import Association, Enterprise, EnterpriseContact
from roundtable.lib.uscc import ALPHABET, check_character
from roundtable.meetings.models import (
    IntakeConsultation,
    IntakeItem,
    Meeting,
    MeetingParticipant,
    Roundtable,
    RoundtableSeat,
)
from roundtable.notifications.models import Notification
from roundtable.workdays import services as workdays

DEMO_PASSWORD = "roundtable-demo"
SEED = 20230601
ROUNDTABLE_NAME_ZH = "渝中区外商投资企业圆桌会议"
ROUNDTABLE_NAME_EN = "Yuzhong District Roundtable for Foreign-Invested Enterprises"
JURISDICTION = "重庆市渝中区 (Yuzhong District, Chongqing)"
LEADING_DEPARTMENT = "com"
DEMO_LOGINS = ("admin", "chair", "staff", "head", "liaison")
SYNTHETIC_PREFIX_ZH = "演示合成企业"

Status = Issue.Status
Kind = ActionUpdate.Kind

# --- The institution -----------------------------------------------------------------------

# code, Chinese name, English name, head's title, head (username, name), liaison (username, name)
# fmt: off
DEPARTMENTS = [
    ("drc", "区发展和改革委员会", "District Development and Reform Commission", "主任",
     ("head_drc", "许建平"), ("liaison_drc", "邓晓雯")),
    ("edu", "区教育委员会", "District Education Commission", "主任",
     ("head_edu", "韩秀兰"), ("liaison_edu", "曹一鸣")),
    ("stb", "区科学技术局", "District Science and Technology Bureau", "局长",
     ("head_stb", "彭志刚"), ("liaison_stb", "曾思远")),
    ("eic", "区经济和信息化委员会", "District Economy & Information Commission", "主任",
     ("head_eic", "谢国强"), ("liaison_eic", "唐雅婷")),
    ("fin", "区财政局", "District Finance Bureau", "局长",
     ("head_fin", "董振华"), ("liaison_fin", "袁梦琪")),
    ("hrss", "区人力资源和社会保障局", "District Human Resources and Social Security Bureau",
     "局长", ("head_hrss", "潘立军"), ("liaison_hrss", "蒋欣怡")),
    ("pnr", "区规划和自然资源局", "District Planning and Natural Resources Bureau", "局长",
     ("head", "罗建军"), ("liaison", "林晓燕")),
    ("eco", "区生态环境局", "District Ecology & Environment Bureau", "局长",
     ("head_eco", "蔡永红"), ("liaison_eco", "田子涵")),
    ("com", "区商务委员会", "District Commission of Commerce", "主任",
     ("head_com", "杨卫东"), ("liaison_com", "何雨晴")),
    ("fao", "区外事办公室", "District Foreign Affairs Office", "主任",
     ("head_fao", "姚建新"), ("liaison_fao", "卢思琪")),
    ("amr", "区市场监督管理局", "District Administration for Market Regulation", "局长",
     ("head_amr", "余海波"), ("liaison_amr", "杜佳琪")),
    ("stats", "区统计局", "District Statistics Bureau", "局长",
     ("head_stats", "叶春生"), ("liaison_stats", "程雨桐")),
    ("fo", "区金融工作办公室", "District Financial Office", "主任",
     ("head_fo", "魏长青"), ("liaison_fo", "苏可欣")),
    ("tax", "区税务局", "District Taxation Bureau", "局长",
     ("head_tax", "吕德明"), ("liaison_tax", "丁晓萌")),
    ("fic", "区工商业联合会", "District Federation of Industry and Commerce", "主席",
     ("head_fic", "沈国华"), ("liaison_fic", "任嘉怡")),
]
# fmt: on

# username, full name, title, groups, language
PEOPLE = [
    ("admin", "孙立新", "系统管理员", [Role.ADMINISTRATOR], Language.ENGLISH),
    ("chair", "陈志远", "副区长", [Role.CHAIR], Language.ENGLISH),
    ("deputy", "刘文华", "区政府副招商专员", [Role.CHAIR], Language.CHINESE),
    ("chair_former", "吴国平", "原副区长", [], Language.CHINESE),
    ("staff", "赵敏", "区商务委外资科科长", [Role.COMMERCE_STAFF], Language.ENGLISH),
    ("staff2", "钱晓琳", "区商务委外资科副科长", [Role.COMMERCE_STAFF], Language.CHINESE),
    ("staff3", "郑浩然", "区商务委外资科科员", [Role.COMMERCE_STAFF], Language.CHINESE),
    ("staff4", "冯佳怡", "区商务委服务保障专员", [Role.COMMERCE_STAFF], Language.CHINESE),
    ("liaison_tax_former", "贾文静", "原联络员", [], Language.CHINESE),
]

CATEGORIES = [
    ("land", "用地", "Land use"),
    ("permits", "审批许可", "Permits and approvals"),
    ("talent", "人才与签证", "Talent and visas"),
    ("customs", "通关与贸易", "Customs and trade"),
    ("tax", "税费", "Tax and fees"),
    ("finance", "融资", "Finance"),
    ("ip", "知识产权", "Intellectual property"),
    ("environment", "环保", "Environment"),
    ("policy", "政策咨询", "Policy consultation"),
    ("market", "市场监管", "Market regulation"),
    ("other", "其他", "Other"),
]

# country, Chinese name, English name, industry, business field, size
# fmt: off
ENTERPRISES = [
    ("DE", "哈尔贝格精密技术（重庆）有限公司",
     "Hallberg Precision Technology (Chongqing) Co., Ltd.",
     "制造业", "精密机械", "large"),
    ("DE", "施泰因瓦尔德汽车零部件（重庆）有限公司",
     "Steinwald Automotive Parts (Chongqing) Co., Ltd.",
     "制造业", "汽车零部件", "large"),
    ("DE", "莱茵霍夫医疗器械贸易（重庆）有限公司",
     "Rheinhof Medical Devices Trading (Chongqing) Co., Ltd.",
     "批发和零售业", "医疗器械", "medium"),
    ("DE", "贝格曼供应链管理（重庆）有限公司",
     "Bergmann Supply Chain Management (Chongqing) Co., Ltd.",
     "交通运输、仓储和邮政业", "物流", "medium"),
    ("DE", "奥尔登费尔德管理咨询（重庆）有限公司",
     "Oldenfeld Management Consulting (Chongqing) Co., Ltd.",
     "租赁和商务服务业", "管理咨询", "small"),
    ("DE", "韦伯林化工科技（重庆）有限公司",
     "Weberling Chemical Technology (Chongqing) Co., Ltd.",
     "科学研究和技术服务业", "化工研发", "medium"),
    ("US", "雪松线软件（重庆）有限公司",
     "Cedarline Software (Chongqing) Co., Ltd.",
     "信息传输、软件和信息技术服务业", "软件开发", "medium"),
    ("US", "橡溪生物科技（重庆）有限公司",
     "Oakcreek Biotech (Chongqing) Co., Ltd.",
     "科学研究和技术服务业", "生物医药研发", "medium"),
    ("US", "北岸金融信息服务（重庆）有限公司",
     "Northshore Financial Information Services (Chongqing) Co., Ltd.",
     "金融业", "金融信息服务", "small"),
    ("US", "松湖餐饮管理（重庆）有限公司",
     "Pinelake Food Services (Chongqing) Co., Ltd.",
     "住宿和餐饮业", "餐饮连锁", "medium"),
    ("US", "鹰角酒店管理（重庆）有限公司",
     "Eaglepoint Hospitality Management (Chongqing) Co., Ltd.",
     "住宿和餐饮业", "酒店管理", "large"),
    ("US", "明河数据科技（重庆）有限公司",
     "Brightriver Data Technology (Chongqing) Co., Ltd.",
     "信息传输、软件和信息技术服务业", "数据服务", "small"),
    ("JP", "山樱电子（重庆）有限公司",
     "Yamazakura Electronics (Chongqing) Co., Ltd.",
     "制造业", "电子元器件", "large"),
    ("JP", "青叶商事（重庆）有限公司",
     "Aoba Shoji (Chongqing) Co., Ltd.",
     "批发和零售业", "进出口贸易", "small"),
    ("JP", "北滨精工（重庆）有限公司",
     "Kitahama Seiko (Chongqing) Co., Ltd.",
     "制造业", "精密加工", "medium"),
    ("JP", "丸星百货（重庆）有限公司",
     "Marusei Department Store (Chongqing) Co., Ltd.",
     "批发和零售业", "百货零售", "large"),
    ("JP", "松风教育咨询（重庆）有限公司",
     "Matsukaze Education Consulting (Chongqing) Co., Ltd.",
     "教育", "语言培训", "micro"),
    ("KR", "韩光化妆品（重庆）有限公司",
     "Hangwang Cosmetics (Chongqing) Co., Ltd.",
     "批发和零售业", "化妆品", "medium"),
    ("KR", "晨光食品（重庆）有限公司",
     "Saebyeok Foods (Chongqing) Co., Ltd.",
     "制造业", "食品加工", "medium"),
    ("KR", "青松建筑设计（重庆）有限公司",
     "Cheongsong Architecture (Chongqing) Co., Ltd.",
     "建筑业", "建筑设计", "small"),
    ("KR", "海蓝互动娱乐（重庆）有限公司",
     "Haeran Interactive (Chongqing) Co., Ltd.",
     "信息传输、软件和信息技术服务业", "游戏开发", "small"),
    ("SG", "狮城供应链（重庆）有限公司",
     "Lioncity Supply Chain (Chongqing) Pte. Co., Ltd.",
     "交通运输、仓储和邮政业", "跨境物流", "large"),
    ("SG", "南洋港湾股权投资管理（重庆）有限公司",
     "Nanyang Harbour Capital Management (Chongqing) Co., Ltd.",
     "金融业", "股权投资", "small"),
    ("SG", "滨峰置业（重庆）有限公司",
     "Marina Crest Properties (Chongqing) Co., Ltd.",
     "房地产业", "商业地产", "large"),
    ("SG", "棕榈林医疗管理（重庆）有限公司",
     "Palmgrove Healthcare Management (Chongqing) Co., Ltd.",
     "卫生和社会工作", "医疗服务", "medium"),
    ("FR", "卢瓦尔维涅酒业（重庆）有限公司",
     "Loirevigne Wines (Chongqing) Co., Ltd.",
     "批发和零售业", "葡萄酒进口", "small"),
    ("FR", "蒙特朗化妆品贸易（重庆）有限公司",
     "Montrelan Cosmetics Trading (Chongqing) Co., Ltd.",
     "批发和零售业", "化妆品", "small"),
    ("FR", "塞纳谷工程咨询（重庆）有限公司",
     "Seinevale Engineering Consulting (Chongqing) Co., Ltd.",
     "科学研究和技术服务业", "工程咨询", "medium"),
    ("GB", "泰晤士伯里教育科技（重庆）有限公司",
     "Thamesbury Education Technology (Chongqing) Co., Ltd.",
     "教育", "在线教育", "small"),
    ("GB", "温德米尔保险经纪（重庆）有限公司",
     "Windermere Insurance Brokers (Chongqing) Co., Ltd.",
     "金融业", "保险经纪", "small"),
    ("GB", "伦德尔建筑师事务所（重庆）有限公司",
     "Rendell Architects (Chongqing) Co., Ltd.",
     "建筑业", "建筑设计", "micro"),
    ("HK", "港湾景贸易（重庆）有限公司",
     "Harbourview Trading (Chongqing) Co., Ltd.",
     "批发和零售业", "进出口贸易", "medium"),
    ("HK", "维港湾投资（重庆）有限公司",
     "Victoria Bay Investment (Chongqing) Co., Ltd.",
     "租赁和商务服务业", "投资管理", "medium"),
    ("HK", "九龙园餐饮管理（重庆）有限公司",
     "Kowloon Garden Catering (Chongqing) Co., Ltd.",
     "住宿和餐饮业", "餐饮连锁", "small"),
    ("HK", "宏远物业服务（重庆）有限公司",
     "Wang Yuen Property Services (Chongqing) Co., Ltd.",
     "房地产业", "物业管理", "large"),
    ("TW", "禾丰光电科技（重庆）有限公司",
     "Hefeng Optoelectronics (Chongqing) Co., Ltd.",
     "制造业", "光电显示", "large"),
    ("TW", "鼎盛茶饮管理（重庆）有限公司",
     "Dingsheng Tea House Management (Chongqing) Co., Ltd.",
     "住宿和餐饮业", "茶饮连锁", "small"),
    ("IT", "托斯卡内拉时装（重庆）有限公司",
     "Toscanella Fashion (Chongqing) Co., Ltd.",
     "批发和零售业", "服装零售", "small"),
    ("IT", "布雷拉设计工作室（重庆）有限公司",
     "Brera Design Studio (Chongqing) Co., Ltd.",
     "文化、体育和娱乐业", "工业设计", "micro"),
    ("NL", "郁金香田农业科技（重庆）有限公司",
     "Tulpenveld Agritech (Chongqing) Co., Ltd.",
     "科学研究和技术服务业", "农业科技", "small"),
    ("NL", "代尔夫特水务工程（重庆）有限公司",
     "Delftwater Engineering (Chongqing) Co., Ltd.",
     "水利、环境和公共设施管理业", "水处理", "medium"),
]
# fmt: on

ADDRESSES = [
    "重庆市渝中区民族路{n}号{f}楼",
    "重庆市渝中区邹容路{n}号{f}楼",
    "重庆市渝中区中山三路{n}号{f}楼",
    "重庆市渝中区瑞天路{n}号{f}楼",
    "重庆市渝中区长江二路{n}号{f}楼",
    "重庆市渝中区中山二路{n}号{f}楼",
    "重庆市渝中区人民路{n}号{f}楼",
    "重庆市渝中区新华路{n}号{f}楼",
    "重庆市渝中区大坪正街{n}号{f}楼",
    "重庆市渝中区化龙桥{n}号{f}楼",
]

FOREIGN_CONTACTS = {
    "DE": ["Anna Keller", "Jonas Richter", "Lena Hartmann", "Felix Brandt", "Miriam Vogt"],
    "US": ["Emily Carter", "Daniel Brooks", "Rachel Morgan", "Kevin Hayes", "Laura Bennett"],
    "JP": ["Sato Misaki", "Takahashi Ken", "Ito Yuki", "Nakamura Ryo"],
    "KR": ["Kim Minji", "Park Jiho", "Lee Soyeon", "Choi Hyunwoo"],
    "SG": ["Tan Wei Ling", "Lim Jun Hao", "Rachel Ng", "Marcus Goh"],
    "FR": ["Claire Dubois", "Julien Moreau", "Camille Laurent"],
    "GB": ["Oliver Hughes", "Charlotte Price", "Harry Ellis"],
    "HK": ["Chan Ka Yan", "Wong Tsz Hin", "Leung Hoi Ying", "Lau Chun Kit"],
    "TW": ["林怡君", "陈冠宇"],
    "IT": ["Giulia Ricci", "Marco Bianchi"],
    "NL": ["Sanne de Vries", "Thijs Bakker"],
}
LOCAL_CONTACTS = [
    "王丽娟",
    "李海涛",
    "张婷",
    "刘洋",
    "陈静",
    "杨帆",
    "黄磊",
    "周婷婷",
    "徐鹏",
    "孙悦",
]
CONTACT_TITLES = [
    "总经理 General Manager",
    "财务总监 Chief Financial Officer",
    "政府事务经理 Government Affairs Manager",
    "行政经理 Administration Manager",
    "人力资源经理 HR Manager",
]

# Chinese name, English name, kind, country, member countries (None: a random 40 %)
# fmt: off
ASSOCIATIONS = [
    ("德国商会西南联络处", "German Chamber of Commerce, Southwest Liaison Desk", "chamber", "DE",
     ["DE"]),
    ("美国商会重庆联络组", "AmCham Chongqing Liaison Group", "chamber", "US", ["US"]),
    ("重庆日本商工会", "Japanese Business Association of Chongqing", "association", "JP", ["JP"]),
    ("重庆韩国商会", "Korean Chamber of Commerce in Chongqing", "chamber", "KR", ["KR"]),
    ("欧盟商会西南分会", "EU Chamber of Commerce, Southwest Chapter", "chamber", "",
     ["DE", "FR", "IT", "NL"]),
    ("渝中区外商投资企业协会", "Yuzhong Association of Foreign-Invested Enterprises",
     "association", "", None),
]
# fmt: on

# Issue templates: key, category, lead, co-handling candidates, Chinese title, English title
# fmt: off
TEMPLATES = [
    ("office_use", "land", "pnr", ["amr"],
     "办公楼扩租楼层用途变更审批进度", "Change-of-use approval for additional office floors"),
    ("land_renewal", "land", "pnr", ["fin"],
     "仓储用地使用权续期手续办理", "Renewal of land-use rights for a warehouse plot"),
    ("parking", "land", "pnr", ["eco", "drc"],
     "门店配套停车及装卸货位规划调整", "Planning adjustment for parking and loading bays"),
    ("roadworks", "land", "pnr", ["drc"],
     "周边道路施工影响货车进出", "Road works nearby block truck access"),
    ("food_licence", "permits", "amr", [],
     "食品经营许可证变更办理时限", "Time taken to amend a food business licence"),
    ("device_filing", "permits", "amr", ["com"],
     "医疗器械经营备案材料要求不明确", "Unclear documents for medical device distribution filing"),
    ("parallel_approval", "permits", "drc", ["eco", "pnr"],
     "建设项目环评与施工许可并联审批", "Parallel EIA and construction permit approval"),
    ("capital_increase", "permits", "amr", ["com"],
     "外资企业增资变更登记一网通办", "Online one-stop registration of a capital increase"),
    ("work_permit", "talent", "stb", ["fao", "hrss"],
     "外籍高管工作许可续期材料繁琐", "Burdensome renewal of work permits for foreign executives"),
    ("school_places", "talent", "edu", ["fao"],
     "外籍员工子女就近入学学位", "School places for foreign employees' children"),
    ("visa_invitation", "talent", "fao", ["com"],
     "外籍客商来渝商务签证邀请函办理", "Invitation letters for visiting business partners' visas"),
    ("talent_subsidy", "talent", "hrss", ["stb", "fin"],
     "高层次人才认定及安家补贴申请", "Recognition and housing subsidy for high-level talent"),
    ("hkmt_insurance", "talent", "hrss", ["tax"],
     "港澳台员工社保缴纳政策咨询", "Social insurance for staff from Hong Kong, Macao and Taiwan"),
    ("vocational", "talent", "hrss", ["edu"],
     "员工职业技能培训与校企合作", "Vocational training and school-enterprise cooperation"),
    ("clearance_time", "customs", "com", ["eic"],
     "进口原材料通关时效偏长", "Long customs clearance for imported raw materials"),
    ("ecommerce_returns", "customs", "com", ["tax"],
     "跨境电商出口退货监管流程", "Returns of cross-border e-commerce exports"),
    ("rail_freight", "customs", "com", ["drc", "fin"],
     "中欧班列订舱与运费补贴", "Bookings and freight subsidies on China-Europe rail"),
    ("cold_chain", "customs", "amr", ["com"],
     "进口冷链食品检验检疫流程", "Inspection of imported cold-chain food"),
    ("rd_deduction", "tax", "tax", ["stb"],
     "研发费用加计扣除政策适用", "Applying the R&D expense super-deduction"),
    ("export_refund", "tax", "tax", ["com"],
     "出口退税办理进度", "Progress of export VAT refunds"),
    ("iit_foreign", "tax", "tax", [],
     "外籍个人所得税专项附加扣除", "Individual income tax allowances for foreign staff"),
    ("reinvestment", "tax", "tax", ["com", "fin"],
     "境外投资者利润再投资递延纳税", "Tax deferral on profits reinvested by foreign investors"),
    ("cash_pool", "finance", "fo", ["com"],
     "跨境资金池业务备案咨询", "Filing a cross-border cash pool"),
    ("loan_subsidy", "finance", "fo", ["fin"],
     "中小外资企业贷款贴息申请", "Loan interest subsidies for small foreign-invested firms"),
    ("foreign_debt", "finance", "fo", [],
     "外债登记额度与便利化", "Foreign debt registration quota"),
    ("guarantee_fee", "finance", "fin", ["fo"],
     "融资担保费率补助", "Subsidy on financing guarantee fees"),
    ("trademark", "ip", "amr", ["stb"],
     "商标被抢注维权协助", "Help against a squatted trademark"),
    ("patent", "ip", "amr", [],
     "专利侵权线索举报处理", "Handling a reported patent infringement"),
    ("ip_pledge", "ip", "fo", ["amr"],
     "知识产权质押融资渠道", "IP pledge financing"),
    ("fumes", "environment", "eco", ["amr"],
     "餐饮油烟排放整改标准", "Standards for restaurant fume emissions"),
    ("hazwaste", "environment", "eco", [],
     "危险废物转移联单办理", "Hazardous waste transfer manifests"),
    ("discharge_permit", "environment", "eco", ["drc"],
     "排污许可证延续办理", "Renewal of a pollutant discharge permit"),
    ("rd_centre", "policy", "com", ["stb", "fin"],
     "外资研发中心认定奖励政策解读", "The award for foreign-invested R&D centres"),
    ("headquarters", "policy", "com", ["drc", "stats"],
     "总部企业认定条件咨询", "Conditions for headquarters recognition"),
    ("fdi_fund", "policy", "com", ["fin"],
     "稳外资专项资金申报时间", "Application window of the foreign investment fund"),
    ("digital", "policy", "eic", ["fin"],
     "数字化转型补贴政策咨询", "Digital transformation subsidy"),
    ("statistics", "policy", "stats", ["com"],
     "企业统计报表填报口径", "Definitions in statistical returns"),
    ("promotion", "market", "amr", ["com"],
     "商场促销活动备案要求", "Filing requirements for in-store promotions"),
    ("cosmetics_label", "market", "amr", [],
     "进口化妆品中文标签合规", "Chinese labelling of imported cosmetics"),
    ("livestream", "market", "amr", ["eic"],
     "网络直播营销合规指引", "Compliance guidance for livestream marketing"),
    ("chamber_venue", "other", "com", ["fic"],
     "商会交流活动场地协调", "A venue for a chamber exchange event"),
    ("bus_routes", "other", "drc", ["pnr"],
     "办公区周边公交线路优化", "Bus routes near the office district"),
    ("driving_licence", "other", "fao", [],
     "外籍员工驾驶证转换", "Converting foreign employees' driving licences"),
    ("matchmaking", "other", "fic", ["eic"],
     "外资企业与本地民营企业对接", "Matchmaking with local private companies"),
]
# fmt: on

FOLLOW_UP = [
    "牵头单位在办理时限内书面答复企业，并抄送区商务委。",
    "牵头单位会同配合单位现场对接企业，明确办理路径，办结后报区商务委销号。",
    "牵头单位每两周报送一次进展，办结后由区商务委回访企业确认满意度。",
    "涉及市级事权的，由牵头单位对接市级部门并及时向企业反馈。",
]
PROGRESS = [
    "已与企业电话沟通，了解具体诉求，正在梳理政策依据。",
    "已召开部门协调会，明确办理路径，待企业补充材料。",
    "已收到企业补充材料，正在审核。",
    "已会同配合单位现场踏勘，形成初步意见。",
    "已向市级主管部门请示，等待答复。",
    "已将办理指引发送企业，企业正在准备申请材料。",
]
RESOLUTIONS = [
    "经协调，相关手续已办结，企业确认问题已解决。",
    "已向企业书面答复政策口径并现场讲解，企业表示理解并已按指引办理。",
    "已开通绿色通道，企业申请已在承诺时限内办结。",
    "会同市级部门完成协调，企业诉求已落实，并形成可复制的办理指引。",
]
RETURN_REASONS = [
    "经核实，该事项不属于本单位职责范围，建议改由区市场监督管理局牵头办理。",
    "该事项涉及市级部门事权，建议由区商务委对接市级主管部门后重新交办。",
    "企业诉求中的主体事项由其他部门审批，本单位可作为配合单位参与。",
]
INSTRUCTIONS = [
    "请牵头单位加快办理，务必于时限内办结，并将结果反馈企业。",
    "此类问题多家外资企业均有反映，请区商务委牵头开展专题研究。",
    "请区发展改革委会同相关部门研究政策层面的解决办法，下次圆桌会议通报。",
    "请相关部门负责同志亲自过问，确保问题按期销号。",
]

SATISFACTION_ZH = {"satisfied": "满意", "basically": "基本满意", "dissatisfied": "不满意"}
EXTENSION_ZH = {"granted": "同意延期", "refused": "不同意延期"}

# --- Small helpers ------------------------------------------------------------------------


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """An aware datetime on ``day`` in the current time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def make_uscc(body9: str, *, region: str = "500103") -> str:
    """A valid unified social credit code: 91 (enterprise), the Yuzhong region code, a 9-char
    organisation code, and the computed check character."""
    first17 = "91" + region + body9
    return first17 + check_character(first17)


def _to_base31(n: int, width: int) -> str:
    chars = []
    for _ in range(width):
        n, rem = divmod(n, len(ALPHABET))
        chars.append(ALPHABET[rem])
    return "".join(reversed(chars))


class WorkdayTable:
    """``add_working_days`` over a precomputed range, for bulk generation (one dict lookup
    instead of a day-by-day walk). Built from ``workdays.is_working_day``, so it gives the same
    answers; outside its range it falls back to ``add_working_days``."""

    def __init__(self, start: date, end: date):
        self.start, self.end = start, end
        span = (end - start).days + 1
        self.days = [
            start + timedelta(d)
            for d in range(span)
            if workdays.is_working_day(start + timedelta(d))
        ]
        # Ordinal of each working day, for bisect.
        self._ords = [d.toordinal() for d in self.days]

    def add(self, day: date, n: int) -> date:
        lo, hi = self.start + timedelta(40), self.end - timedelta(40)
        if not (lo <= day <= hi) or abs(n) > 20 * 7:
            return workdays.add_working_days(day, n)
        o = day.toordinal()
        if n > 0:
            return self.days[bisect_left(self._ords, o + 1) + n - 1]
        if n == 0:
            return self.days[bisect_left(self._ords, o)]
        return self.days[bisect_left(self._ords, o) + n]


def reserve_references(year: int, count: int) -> int:
    """Take ``count`` consecutive numbers for ``year`` in one locked update of the counter and
    return the first. Call inside the transaction that creates the issues."""
    assert transaction.get_connection().in_atomic_block, "call inside transaction.atomic"
    ReferenceCounter.objects.bulk_create([ReferenceCounter(year=year)], ignore_conflicts=True)
    qs = ReferenceCounter.objects.filter(year=year)
    if connection.features.has_select_for_update:
        qs = qs.select_for_update()
    counter = qs.get()
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return first


def _say(out, text: str) -> None:
    if out is not None:
        out.write(text)


# --- The base set -------------------------------------------------------------------------


def is_loaded() -> bool:
    return Roundtable.objects.filter(name_zh=ROUNDTABLE_NAME_ZH).exists()


@dataclass
class _Spec:
    """One issue of the base set, planned before it is written."""

    status: str
    template: tuple
    enterprise: Enterprise
    raised_on: date
    source: str
    meeting: Meeting | None = None
    plan: str = "later"  # open issues: overdue, due_soon, later
    reopened: bool = False
    returned_first: bool = False
    extension: str = ""  # pending, granted, refused
    instruction: bool = False
    others: list = field(default_factory=list)
    study: bool = False
    co: list = field(default_factory=list)  # co-handling department codes
    pinned: bool = False  # its template was chosen on purpose: coverage leaves it alone


class BaseLoader:
    def __init__(self, out=None):
        self.out = out
        self.rng = random.Random(SEED)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.password = make_password(DEMO_PASSWORD)
        self.founded = date(self.today.year - 3, 6, 1)
        self.users: dict[str, User] = {}
        self.departments: dict[str, Department] = {}
        self.liaisons: dict[str, User] = {}
        self.heads: dict[str, User] = {}
        self.categories: dict[str, Category] = {}
        self.enterprises: list[Enterprise] = []
        self.updates: list[ActionUpdate] = []
        self.counts: dict[str, int] = {}

    # -- helpers --

    def wd(self, day: date, n: int) -> date:
        return workdays.add_working_days(day, n)

    def stamp(self, day: date, hour: int | None = None) -> datetime:
        """A time during office hours on ``day``, never in the future."""
        hour = self.rng.randint(9, 17) if hour is None else hour
        moment = at(day, hour, self.rng.randint(0, 59))
        return min(moment, self.now - timedelta(minutes=self.rng.randint(5, 90)))

    def tick(self, day: date, hour: int | None = None) -> datetime:
        """The time of an issue's next status change on ``day``: after everything before it
        on the issue's timeline (ties keep their order: updates are inserted in order)."""
        moment = max(
            self.stamp(day, hour), self._cursor + timedelta(minutes=self.rng.randint(3, 40))
        )
        self._cursor = min(moment, self.now)
        return self._cursor

    def floating(self, day: date) -> datetime:
        """The time of a progress note, instruction or extension on ``day``: after the last
        acceptance or reopening; the next status change comes after it."""
        moment = max(self.stamp(day), self._floor + timedelta(minutes=self.rng.randint(3, 40)))
        moment = min(moment, self.now)
        self._cursor = max(self._cursor, moment)
        return moment

    def user(self, username, full_name, *, title="", groups=(), language=Language.CHINESE, **kw):
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "title": title,
                "email": f"{username}@example.gov.cn",
                "preferred_language": language,
                "password": self.password,
                **kw,
            },
        )
        if not created:
            _say(self.out, f"User {username} already exists: kept (password unchanged).\n")
        for name in groups:
            user.groups.add(Group.objects.get(name=name))
        self.users[username] = user
        return user

    def timeline(
        self,
        issue,
        kind,
        when,
        *,
        author=None,
        body="",
        old="",
        new="",
        assignment=None,
        extension=None,
    ):
        self.updates.append(
            ActionUpdate(
                issue=issue,
                kind=kind,
                created_at=when,
                author=author,
                body=body,
                old_status=old,
                new_status=new if old else "",
                assignment=assignment,
                department=assignment.department if assignment else None,
                extension=extension,
            )
        )

    # -- the steps --

    def run(self) -> dict[str, int]:
        self.build_people_and_departments()
        self.build_roundtable()
        self.build_categories()
        self.build_enterprises()
        self.build_meetings()
        self.build_issues()
        self.build_notifications()
        self.backdate()
        return self.counts

    def build_people_and_departments(self):
        for username, name, title, groups, language in PEOPLE:
            extra = {}
            if username == "admin":
                extra = {"is_staff": True, "is_superuser": True}
            if username.endswith("_former"):
                extra = {"is_active": False}
            self.user(username, name, title=title, groups=groups, language=language, **extra)
        for i, (code, zh, en, head_title, head, liaison) in enumerate(DEPARTMENTS, start=1):
            dept, _ = Department.objects.get_or_create(
                code=code,
                defaults={
                    "name_zh": zh,
                    "name_en": en,
                    "office_phone": f"023-6000-0{i:03d}",
                    "email": f"{code}@example.gov.cn",
                },
            )
            self.departments[code] = dept
            short = zh.removeprefix("区")
            head_groups = [Role.CHAIR] if code == LEADING_DEPARTMENT else []
            liaison_groups = [Role.COMMERCE_STAFF] if code == LEADING_DEPARTMENT else []
            head_lang = Language.ENGLISH if head[0] in DEMO_LOGINS else Language.CHINESE
            liaison_lang = Language.ENGLISH if liaison[0] in DEMO_LOGINS else Language.CHINESE
            h = self.user(
                head[0],
                head[1],
                title=f"{short}{head_title}",
                groups=head_groups,
                language=head_lang,
                office_phone=f"023-6000-1{i:03d}",
                mobile=f"139-0000-1{i:03d}",
            )
            li = self.user(
                liaison[0],
                liaison[1],
                title=f"{short}联络员",
                groups=liaison_groups,
                language=liaison_lang,
                office_phone=f"023-6000-2{i:03d}",
                mobile=f"139-0000-2{i:03d}",
            )
            self.heads[code], self.liaisons[code] = h, li
            for person, role in ((h, "head"), (li, "liaison")):
                DepartmentMembership.objects.create(
                    department=dept,
                    user=person,
                    role=role,
                    office_phone=person.office_phone,
                    mobile=person.mobile,
                    started_on=self.founded,
                )
        # History: the tax bureau's liaison changed last year.
        DepartmentMembership.objects.filter(
            department=self.departments["tax"], user=self.liaisons["tax"]
        ).update(started_on=date(self.today.year - 1, 3, 1))
        DepartmentMembership.objects.create(
            department=self.departments["tax"],
            user=self.users["liaison_tax_former"],
            role="liaison",
            office_phone="023-6000-2099",
            started_on=self.founded,
            ended_on=date(self.today.year - 1, 2, 28),
        )
        self.staff = [self.users[u] for u in ("staff", "staff2", "staff3", "staff4")]
        self.chairs = [self.users["chair"], self.users["deputy"], self.heads["com"]]
        self.counts["departments"] = len(self.departments)

    def build_roundtable(self):
        self.roundtable = Roundtable.objects.create(
            name_zh=ROUNDTABLE_NAME_ZH,
            name_en=ROUNDTABLE_NAME_EN,
            jurisdiction=JURISDICTION,
            leading_department=self.departments[LEADING_DEPARTMENT],
            cadence=Roundtable.Cadence.QUARTERLY,
        )
        Seat = RoundtableSeat.Role
        changed = date(self.today.year - 2, 3, 1)
        seats = [
            (Seat.CHAIR, self.users["chair_former"], None, self.founded, changed - timedelta(1)),
            (Seat.CHAIR, self.users["chair"], None, changed, None),
            (Seat.DEPUTY_CHAIR, self.users["deputy"], None, self.founded, None),
            (Seat.DEPUTY_CHAIR, self.heads["com"], None, self.founded, None),
            (
                Seat.LEADING_DEPARTMENT,
                None,
                self.departments[LEADING_DEPARTMENT],
                self.founded,
                None,
            ),
            (Seat.SECRETARIAT, self.users["staff"], None, self.founded, None),
            (Seat.SECRETARIAT, None, self.departments[LEADING_DEPARTMENT], self.founded, None),
        ]
        seats += [(Seat.SAFEGUARD_TEAM, u, None, self.founded, None) for u in self.staff[1:]]
        seats += [
            (Seat.MEMBER_DEPARTMENT, None, d, self.founded, None) for d in self.departments.values()
        ]
        for role, user, dept, start, end in seats:
            RoundtableSeat.objects.create(
                roundtable=self.roundtable,
                role=role,
                user=user,
                department=dept,
                started_on=start,
                ended_on=end,
            )
        self.counts["seats"] = len(seats)

    def build_categories(self):
        for code, zh, en in CATEGORIES:
            self.categories[code], _ = Category.objects.get_or_create(
                code=code, defaults={"name_zh": zh, "name_en": en}
            )

    def build_enterprises(self):
        rng = self.rng
        officials = [self.users["deputy"], self.heads["com"], self.users["chair"]]
        codes = set(Enterprise.objects.values_list("credit_code", flat=True))
        contact_no = 0
        for i, (country, zh, en, industry, business, size) in enumerate(ENTERPRISES):
            while True:
                code = make_uscc("MA" + "".join(rng.choice(ALPHABET) for _ in range(7)))
                if code not in codes:
                    codes.add(code)
                    break
            enterprise = Enterprise.objects.create(
                name_zh=zh,
                name_en=en,
                credit_code=code,
                country=country,
                industry=industry,
                business_field=business,
                address=rng.choice(ADDRESSES).format(n=rng.randint(1, 299), f=rng.randint(2, 40)),
                size=size,
                designated_official=officials[i % 3] if size in ("large", "medium") else None,
                service_contact=self.staff[i % len(self.staff)],
                visit_interval_days=60 if size == "large" else 90,
            )
            self.enterprises.append(enterprise)
            foreign = rng.choice(FOREIGN_CONTACTS[country])
            people = [(foreign, Language.ENGLISH if foreign.isascii() else Language.CHINESE)]
            if rng.random() < 0.6:
                people.append((rng.choice(LOCAL_CONTACTS), Language.CHINESE))
            for n, (name, language) in enumerate(people):
                contact_no += 1
                EnterpriseContact.objects.create(
                    enterprise=enterprise,
                    name=name,
                    title=CONTACT_TITLES[0] if n == 0 else rng.choice(CONTACT_TITLES[1:]),
                    phone=f"138-0000-{contact_no:04d}",
                    email=f"contact{contact_no:03d}@example.com",
                    preferred_language=language,
                    is_primary=n == 0,
                )
        self.associations = []
        for zh, en, kind, country, members in ASSOCIATIONS:
            association = Association.objects.create(
                name_zh=zh, name_en=en, kind=kind, country=country
            )
            chosen = [
                e
                for e in self.enterprises
                if (members is None and rng.random() < 0.4)
                or (members and e.country.code in members)
            ]
            association.enterprises.set(chosen)
            self.associations.append(association)
        self.counts["enterprises"] = len(self.enterprises)

    def build_meetings(self):
        rng, today, staff = self.rng, self.today, self.users["staff"]
        by_country = {}
        for e in self.enterprises:
            by_country.setdefault(e.country.code, []).append(e)

        def meeting(kind, topic, day, *, status, hour=14, hours=2, **kw):
            return Meeting.objects.create(
                roundtable=self.roundtable,
                kind=kind,
                topic=topic,
                starts_at=at(day, hour, 30),
                ends_at=at(day, hour + hours, 30),
                status=status,
                created_by=staff,
                **kw,
            )

        def participants(m, enterprises, departments, users, associations=(), attended=True):
            rows = [
                MeetingParticipant(
                    meeting=m, enterprise=e, attended=attended and (rng.random() < 0.88)
                )
                for e in enterprises
            ]
            rows += [
                MeetingParticipant(
                    meeting=m, department=self.departments[c], attended=attended or None
                )
                for c in departments
            ]
            rows += [
                MeetingParticipant(meeting=m, user=u, attended=attended or None) for u in users
            ]
            rows += [
                MeetingParticipant(meeting=m, association=a, attended=attended or None)
                for a in associations
            ]
            if not attended:
                for row in rows:
                    row.attended = None
            MeetingParticipant.objects.bulk_create(rows)

        K, S = Meeting.Kind, Meeting.Status
        # Two past quarterly roundtables.
        day1 = workdays.next_working_day(today - timedelta(days=160))
        rt1 = meeting(
            K.QUARTERLY_ROUNDTABLE,
            "制造业与供应链专题圆桌会议 Manufacturing and supply chains",
            day1,
            status=S.MINUTES_PUBLISHED,
            business_fields="制造业、物流、电子元器件",
            countries="德国、日本、韩国",
            venue="渝中区政府第一会议室",
            hours=3,
            minutes=(
                "会议纪要\n"
                "一、会议由圆桌会议召集人、副区长陈志远主持，区商务委通报上季度台账办理情况。\n"
                "二、十家外资企业围绕原材料通关、用地续期、外籍高管工作许可等提出意见建议，"
                "各成员单位现场回应。\n"
                "三、会议形成的意见建议已逐条列入台账，明确牵头单位、配合单位、督办人和办结时限，"
                "由区商务委跟踪督办。\n\n"
                "Summary: ten manufacturers and logistics firms raised customs, land-use and "
                "work-permit concerns; every point is on the ledger with a lead department, a "
                "monitor and a deadline."
            ),
            minutes_published_at=at(self.wd(day1, 3), 10),
        )
        ents1 = by_country["DE"][:4] + by_country["JP"][:3] + by_country["KR"][:3]
        participants(
            rt1,
            ents1,
            ["com", "drc", "pnr", "stb", "amr", "tax", "eic"],
            [self.users["chair"], self.heads["com"], staff, self.users["staff2"]],
            self.associations[:4],
        )
        day2 = workdays.next_working_day(today - timedelta(days=68))
        rt2 = meeting(
            K.QUARTERLY_ROUNDTABLE,
            "现代服务业与人才政策圆桌会议 Services and talent policy",
            day2,
            status=S.MINUTES_PUBLISHED,
            business_fields="金融、商务服务、教育、餐饮",
            countries="美国、英国、新加坡、中国香港",
            venue="解放碑国际会客厅",
            form=Meeting.Form.HYBRID,
            hours=3,
            minutes=(
                "会议纪要\n"
                "一、会议由副区长陈志远主持，区政府副招商专员刘文华、区商务委主任杨卫东出席。\n"
                "二、区人力社保局、区科技局解读外籍人才工作许可和高层次人才政策；区税务局解读"
                "研发费用加计扣除和利润再投资递延纳税政策。\n"
                "三、企业反映的外籍员工子女入学、跨境资金池备案等问题已列入台账。\n\n"
                "Summary: policy briefings on talent, work permits and tax incentives; school "
                "places and cross-border cash pools are on the ledger."
            ),
            minutes_published_at=at(self.wd(day2, 2), 16),
        )
        ents2 = by_country["US"][:4] + by_country["GB"][:2] + by_country["SG"][:3]
        ents2 += by_country["HK"][:2]
        participants(
            rt2,
            ents2,
            ["com", "hrss", "stb", "tax", "edu", "fo", "fao"],
            [self.users["chair"], self.users["deputy"], self.heads["com"], staff],
            [self.associations[1], self.associations[5]],
        )
        # The next quarter's roundtable, intake open.
        q_month = (today.month - 1) // 3 * 3 + 4
        q_start = date(today.year + (q_month > 12), (q_month - 1) % 12 + 1, 1)
        day3 = workdays.next_working_day(q_start + timedelta(days=14))
        rt3 = meeting(
            K.QUARTERLY_ROUNDTABLE,
            "数字经济与跨境贸易便利化圆桌会议 Digital economy and cross-border trade",
            day3,
            status=S.INTAKE_OPEN,
            business_fields="信息技术、跨境贸易、物流",
            countries="新加坡、德国、美国、荷兰",
            venue="渝中区政府第一会议室",
            form=Meeting.Form.HYBRID,
            intake_closes_on=max(today, workdays.add_working_days(day3, -7)),
        )
        ents3 = by_country["SG"][:2] + by_country["DE"][3:5] + by_country["US"][4:6]
        ents3 += by_country["NL"]
        participants(
            rt3, ents3, ["com", "eic", "tax", "fo"], [self.users["chair"], staff], attended=False
        )
        intake = [
            (
                by_country["SG"][0],
                "跨境电商出口退货仓监管模式能否在区内试点？",
                "customs",
                ["com", "tax"],
                IntakeItem.Status.IN_CONSULTATION,
                1,
            ),
            (
                by_country["DE"][3],
                "中欧班列回程舱位紧张，希望协调稳定舱位。",
                "customs",
                ["com"],
                IntakeItem.Status.ON_AGENDA,
                2,
            ),
            (
                by_country["US"][5],
                "数据出境安全评估的申报材料和时限。",
                "policy",
                ["eic"],
                IntakeItem.Status.OPEN,
                None,
            ),
            (
                by_country["NL"][1],
                "污水处理设备进口的检验流程。",
                "customs",
                ["amr", "eco"],
                IntakeItem.Status.OPEN,
                None,
            ),
            (
                by_country["US"][4],
                "数字化转型补贴申报时间是否会调整？",
                "policy",
                ["eic", "fin"],
                IntakeItem.Status.SETTLED,
                None,
            ),
        ]
        first_item = None
        for enterprise, text, cat, depts, status, order in intake:
            item = IntakeItem.objects.create(
                meeting=rt3,
                enterprise=enterprise,
                text=text,
                category=self.categories[cat],
                status=status,
                agenda_order=order,
                recorded_by=self.users["staff4"],
            )
            item.departments.set([self.departments[c] for c in depts])
            first_item = first_item or item
        IntakeConsultation.objects.create(
            item=first_item,
            department=self.departments["tax"],
            question="请提前研究出口退货涉及的退税处理口径，会上答复企业。",
            sent_at=self.stamp(today - timedelta(days=2)),
        )
        # Daily service visits, an on-spot meeting, an industry exchange.
        self.visits = []
        for days_ago, kind, topic, ents in [
            (110, K.ONE_ON_ONE, "走访：了解扩产用地需求", [by_country["DE"][0]]),
            (47, K.ONE_ON_ONE, "走访：外籍高管工作许可续期", [by_country["JP"][0]]),
            (22, K.ONE_ON_ONE, "走访：跨境物流与通关", [by_country["SG"][0]]),
            (9, K.ONE_ON_ONE, "走访：门店装修与食品经营许可", [by_country["US"][3]]),
            (80, K.ONE_ON_SEVERAL, "集中走访：日资企业座谈", by_country["JP"][1:4]),
            (14, K.ONE_ON_SEVERAL, "集中走访：港资企业座谈", by_country["HK"]),
        ]:
            day = workdays.next_working_day(today - timedelta(days=days_ago))
            m = meeting(
                kind,
                topic,
                day,
                status=S.HELD,
                hour=10,
                hours=1,
                venue="企业现场",
                minutes="工作记录：区商务委服务专员上门走访，了解企业经营情况和诉求，"
                "相关问题已登记入台账。",
            )
            participants(m, ents, ["com"], [rng.choice(self.staff)])
            self.visits.append(m)
        day = workdays.next_working_day(today - timedelta(days=33))
        self.on_spot = meeting(
            K.ON_SPOT,
            "解放碑片区门店装卸货与停车问题现场会",
            day,
            status=S.MINUTES_PUBLISHED,
            venue="解放碑步行街管理处",
            minutes="现场会由区商务委主任杨卫东主持，区规划自然资源局、区市场监管局现场回应"
            "餐饮、零售企业装卸货时段和临时停车问题，形成整改清单。",
            minutes_published_at=at(self.wd(day, 1), 11),
        )
        participants(
            self.on_spot,
            by_country["US"][3:5] + by_country["HK"][2:3] + by_country["TW"][1:],
            ["pnr", "amr", "com"],
            [self.heads["com"], staff],
        )
        day = workdays.next_working_day(today - timedelta(days=95))
        exchange = meeting(
            K.INDUSTRY_EXCHANGE,
            "外资企业与商协会行业交流会 Industry exchange with chambers",
            day,
            status=S.HELD,
            venue="渝中区工商联会议室",
        )
        participants(
            exchange,
            by_country["FR"] + by_country["IT"],
            ["com", "fic"],
            [staff],
            self.associations[4:],
        )
        planned_day = workdays.add_working_days(today, 4)
        planned = meeting(
            K.ONE_ON_ONE,
            "走访：新设外资企业开业服务",
            planned_day,
            status=S.PLANNED,
            hour=10,
            hours=1,
            venue="企业现场",
        )
        participants(planned, [by_country["KR"][3]], [], [self.users["staff3"]], attended=False)
        self.past_meetings = [rt1, rt2, self.on_spot, exchange]
        self.counts["meetings"] = Meeting.objects.filter(roundtable=self.roundtable).count()

    # -- issues --

    def plan_issues(self) -> list[_Spec]:
        rng, today = self.rng, self.today
        plan = (
            [(Status.CLOSED, "")] * 60
            + [(Status.CONCLUSION_REPORTED, "")] * 15
            + [(Status.IN_PROGRESS, "overdue")] * 10
            + [(Status.IN_PROGRESS, "due_soon")] * 6
            + [(Status.IN_PROGRESS, "later")] * 29
            + [(Status.ASSIGNED, "overdue")]
            + [(Status.ASSIGNED, "due_soon")] * 2
            + [(Status.ASSIGNED, "later")] * 9
            + [(Status.RETURNED, "later")] * 6
            + [(Status.LOGGED, "")] * 12
        )
        windows = {
            Status.CLOSED: (35, 360),
            Status.CONCLUSION_REPORTED: (15, 150),
            Status.IN_PROGRESS: (8, 150),
            Status.ASSIGNED: (1, 8),
            Status.RETURNED: (3, 12),
            Status.LOGGED: (0, 6),
        }
        templates = TEMPLATES[:]
        rng.shuffle(templates)
        land = [t for t in TEMPLATES if t[1] == "land"]
        sources = ["visit", "hotline", "wechat", "email", "online", "other"]
        meetings = self.past_meetings
        specs = []
        forced_land = {Status.ASSIGNED: 3, Status.IN_PROGRESS: 3, Status.RETURNED: 1}
        for i, (status, when) in enumerate(plan):
            template, pinned = templates[i % len(templates)], False
            if forced_land.get(status):
                forced_land[status] -= 1
                template, pinned = land[forced_land[status] % len(land)], True
            low, high = windows[status]
            if when == "overdue":
                low, high = (30, high) if status == Status.IN_PROGRESS else (9, 12)
            raised_on = today - timedelta(days=rng.randint(low, high))
            source, meeting = rng.choice(sources), None
            if status in (Status.CLOSED, Status.CONCLUSION_REPORTED, Status.IN_PROGRESS):
                roll = rng.random()
                fitting = [
                    m
                    for m in meetings
                    if low <= (today - timezone.localtime(m.starts_at).date()).days <= high
                ]
                visits = [
                    v
                    for v in self.visits
                    if low <= (today - timezone.localtime(v.starts_at).date()).days <= high
                ]
                if roll < 0.25 and fitting:
                    source, meeting = Issue.Source.MEETING, rng.choice(fitting)
                elif roll < 0.4 and visits:
                    source, meeting = Issue.Source.SERVICE_VISIT, rng.choice(visits)
            if meeting is not None:
                raised_on = timezone.localtime(meeting.starts_at).date()
                enterprise = rng.choice(
                    [p.enterprise for p in meeting.participants.all() if p.enterprise]
                    or self.enterprises
                )
            else:
                enterprise = rng.choice(self.enterprises)
            spec = _Spec(status, template, enterprise, raised_on, source, meeting, when)
            spec.pinned = pinned
            specs.append(spec)
        # Every source at least twice (taken from the commonest source, never from a meeting).
        # A meeting's issue is raised after some past meeting and is already past assignment,
        # so that the pass below finds it a meeting: the demo always has issues from meetings.
        early = (Status.LOGGED, Status.ASSIGNED, Status.RETURNED)
        first_meeting = min(timezone.localtime(m.starts_at).date() for m in meetings)
        counts = {src: sum(s.source == src for s in specs) for src in Issue.Source.values}
        for src in Issue.Source.values:
            while counts[src] < 2:
                donors = [
                    s
                    for s in specs
                    if s.meeting is None
                    and s.source in sources
                    and counts[s.source] > 2
                    and (
                        src != Issue.Source.MEETING
                        or (s.status not in early and s.raised_on >= first_meeting)
                    )
                ]
                spec = max(donors, key=lambda s: counts[s.source])  # the first of the commonest
                counts[spec.source] -= 1
                spec.source = src
                counts[src] += 1
        for s in specs:  # a "meeting" source without a meeting row is a meeting not recorded
            if s.source == Issue.Source.MEETING and s.meeting is None:
                s.meeting = rng.choice(
                    [m for m in meetings if timezone.localtime(m.starts_at).date() <= s.raised_on]
                    or [None]
                )
                if s.meeting is not None:
                    s.raised_on = timezone.localtime(s.meeting.starts_at).date()
        self.date_by_rule(specs)
        by_status = {}
        for s in specs:
            by_status.setdefault((s.status, s.plan), []).append(s)
        closed = [s for s in by_status[(Status.CLOSED, "")] if (today - s.raised_on).days > 70]
        for s in closed[:4]:
            s.reopened = True
        later = by_status[(Status.IN_PROGRESS, "later")]
        old_later = [s for s in later if (today - s.raised_on).days > 45]
        for s in old_later[:2]:
            s.reopened = True
        for s in closed[4:7] + later[2:5]:
            s.returned_first = True
        pending_ext = by_status[(Status.IN_PROGRESS, "due_soon")][:2]
        for s in pending_ext:
            s.extension = "pending"
        for s in [s for s in later if not s.reopened and (today - s.raised_on).days > 25][:2]:
            s.extension = "granted"
        by_status[(Status.IN_PROGRESS, "overdue")][0].extension = "refused"
        for s in by_status[(Status.IN_PROGRESS, "overdue")][1:5] + closed[8:11] + later[6:8]:
            s.instruction = True
        # A common issue: work permits, raised by several enterprises → a special study.
        permit = next(t for t in TEMPLATES if t[0] == "work_permit")
        chosen = by_status[(Status.CLOSED, "")][12:14] + later[10:12]
        # Enterprises from Japan, Germany, the US and Singapore.
        raisers = [self.enterprises[i] for i in (12, 0, 6, 21)]
        for s, enterprise in zip(chosen, raisers, strict=True):
            s.template, s.study, s.enterprise, s.pinned = permit, True, enterprise, True
            if s.meeting is not None and enterprise not in [
                p.enterprise for p in s.meeting.participants.all()
            ]:
                s.meeting, s.source = None, Issue.Source.SERVICE_VISIT
        for s in rng.sample(specs, 10):
            s.others = rng.sample([e for e in self.enterprises if e != s.enterprise], 2)[
                : rng.randint(1, 2)
            ]
        self.cover_templates(specs)
        self.plan_co_handlers(specs)
        specs.sort(key=lambda s: (s.raised_on, s.template[0]))
        return specs

    # The base set's promises (tests/dashboard/test_load_demo.py checks them on several dates)
    # hold by the rules below, whatever today is: the random draws and the calendar around
    # today only decide which issue carries what.

    def date_by_rule(self, specs: list[_Spec]) -> None:
        """Dates the demo promises on any day: an issue raised almost a year ago, and the
        overdue issues assigned early enough that their deadline (at least 3 working days
        after assignment) has passed, however many days off came just before today.

        "Due soon" needs no rule here: an open issue due soon gets a deadline within the next
        3 working days, and its assignment is never after today (``write_issue``)."""
        today = self.today
        oldest = min(
            (s for s in specs if s.status == Status.CLOSED and s.meeting is None),
            key=lambda s: s.raised_on,
        )
        oldest.raised_on = min(oldest.raised_on, today - timedelta(days=360))
        # Assigned no later than the next working day after raising: 4 working days before
        # today at the latest, so 3 working days on is still before today.
        latest = self.wd(today, -5)
        for s in specs:
            if s.plan == "overdue" and s.raised_on > latest:
                assert s.meeting is None, "meetings are older than any overdue issue's window"
                s.raised_on = latest

    def cover_templates(self, specs: list[_Spec]) -> None:
        """Every template on at least one assigned issue, so every category and every
        department (each leads some template) shows up on the ledger. A missing template
        takes the place of one that assigned issues carry most often."""
        assigned = [s for s in specs if s.status != Status.LOGGED]
        uses = {t[0]: 0 for t in TEMPLATES}
        for s in assigned:
            uses[s.template[0]] += 1
        for template in TEMPLATES:
            if uses[template[0]]:
                continue
            donor = max(
                (s for s in assigned if not s.pinned),
                key=lambda s: uses[s.template[0]],
            )
            assert uses[donor.template[0]] > 1, "more assigned issues than templates"
            uses[donor.template[0]] -= 1
            donor.template = template
            uses[template[0]] += 1

    def plan_co_handlers(self, specs: list[_Spec]) -> None:
        """Up to two co-handling departments per assigned issue, from its template's
        candidates; then every department co-handles at least one issue. A department that no
        issue drew joins the assigned issue with the fewest co-handlers among those it is a
        candidate for (every department is one for some template, and ``cover_templates``
        puts every template on an assigned issue)."""
        rng = self.rng
        assigned = [s for s in specs if s.status != Status.LOGGED]
        for s in assigned:
            candidates = s.template[3]
            s.co = rng.sample(candidates, rng.randint(0, min(2, len(candidates))))
        covered = {c for s in assigned for c in s.co}
        for code, *_ in DEPARTMENTS:
            if code in covered:
                continue
            fits = [s for s in assigned if code in s.template[3]] or [
                s for s in assigned if s.template[2] != code
            ]
            spec = min(fits, key=lambda s: len(s.co))
            spec.co.append(code)
            covered.add(code)

    def build_issues(self):
        specs = self.plan_issues()
        lead_codes = [t[2] for t in TEMPLATES]
        self.study = SpecialStudy.objects.create(
            title="外籍高管工作许可续期便利化专题研究",
            lead_department=self.departments["stb"],
            description=(
                "多家日资、德资、美资和新加坡企业反映外籍高管工作许可续期需重复提交无变化材料、"
                "办理周期长。拟梳理材料清单，研究告知承诺制和容缺受理的可行性。\n\n"
                "Several enterprises report that renewing foreign executives' work permits "
                "repeats unchanged documents and takes weeks; the study looks at notification-"
                "and-commitment and accepting incomplete files."
            ),
            findings="初步梳理：续期材料中4项可由部门间共享获取，无需企业重复提交。",
            status=SpecialStudy.Status.IN_STUDY,
            created_by=self.users["staff"],
        )
        for spec in specs:
            self.write_issue(spec, lead_codes)
        ActionUpdate.objects.bulk_create(self.updates)
        self.counts["issues"] = len(specs)
        self.counts["updates"] = len(self.updates)

    def write_issue(self, spec: _Spec, lead_codes):
        rng, today = self.rng, self.today
        key, cat, lead_code, _candidates, title_zh, title_en = spec.template
        staff = rng.choice(self.staff)
        monitor = self.users["staff"] if rng.random() < 0.4 else rng.choice(self.staff)
        priority = rng.choices(["normal", "high", "urgent"], [70, 22, 8])[0]
        sequence, reference = next_reference(spec.raised_on.year)
        self._cursor = self._floor = at(spec.raised_on, 8)
        logged_at = self.tick(spec.raised_on)
        issue = Issue.objects.create(
            reference=reference,
            year=spec.raised_on.year,
            sequence=sequence,
            title=title_zh,
            description=(
                f"{spec.enterprise.name_zh}反映：{title_zh}，希望相关部门协调解决。\n\n"
                f"{spec.enterprise.name_en}: {title_en}."
            ),
            enterprise=spec.enterprise,
            category=self.categories[cat],
            source=spec.source,
            meeting=spec.meeting,
            raised_on=spec.raised_on,
            priority=priority,
            follow_up_requirement=rng.choice(FOLLOW_UP) if spec.status != Status.LOGGED else "",
            monitor=monitor,
            status=Status.LOGGED,
            special_study=self.study if spec.study else None,
            created_by=staff,
            created_at=logged_at,
        )
        if spec.others:
            issue.other_enterprises.set(spec.others)
        self.timeline(issue, Kind.LOGGED, logged_at, author=staff)
        if spec.status == Status.LOGGED:
            return

        # Assignment.
        assign_day = min(
            workdays.next_working_day(spec.raised_on + timedelta(rng.randint(0, 1))), today
        )
        co = spec.co
        limit = {"urgent": 5, "high": 10}.get(priority) or rng.choice([15, 20, 30])
        if spec.status in (Status.IN_PROGRESS, Status.ASSIGNED, Status.RETURNED):
            deadline = {
                "overdue": self.wd(today, -rng.randint(1, 12)),
                "due_soon": self.wd(today, rng.randint(0, 3)),
            }.get(spec.plan) or self.wd(today, rng.randint(5, 40))
            deadline = max(deadline, self.wd(assign_day, 3))
        else:
            deadline = self.wd(assign_day, limit)
        issue.deadline = issue.original_deadline = deadline
        names = lambda codes: "、".join(self.departments[c].name_zh for c in codes)  # noqa: E731
        assigned_at = self.tick(assign_day)
        day = assign_day
        if spec.returned_first:
            wrong = rng.choice([c for c in lead_codes if c != lead_code])
            first = Assignment.objects.create(
                issue=issue,
                department=self.departments[wrong],
                role="lead",
                responsible_person=self.liaisons[wrong],
                status="returned",
                return_reason=rng.choice(RETURN_REASONS),
                assigned_at=assigned_at,
                responded_at=self.tick(self.wd(day, 1)),
                is_current=False,
            )
            self.timeline(
                issue,
                Kind.ASSIGNED,
                assigned_at,
                author=staff,
                body=names([wrong]),
                old=Status.LOGGED,
                new=Status.ASSIGNED,
            )
            self.timeline(
                issue,
                Kind.RETURNED,
                first.responded_at,
                author=self.liaisons[wrong],
                body=first.return_reason,
                old=Status.ASSIGNED,
                new=Status.RETURNED,
                assignment=first,
            )
            day = self.wd(day, 2)
            assigned_at = self.tick(day)
            previous = Status.RETURNED
        else:
            previous = Status.LOGGED
        lead = Assignment.objects.create(
            issue=issue,
            department=self.departments[lead_code],
            role="lead",
            responsible_person=self.liaisons[lead_code],
            status="pending",
            assigned_at=assigned_at,
        )
        cos = [
            Assignment.objects.create(
                issue=issue,
                department=self.departments[c],
                role="co",
                status="pending",
                assigned_at=assigned_at,
            )
            for c in co
        ]
        self.timeline(
            issue,
            Kind.ASSIGNED,
            assigned_at,
            author=staff,
            body=names([lead_code, *co]),
            old=previous,
            new=Status.ASSIGNED,
        )
        issue.status = Status.ASSIGNED
        if spec.status == Status.ASSIGNED:
            issue.save()
            return
        if spec.status == Status.RETURNED:
            lead.status = "returned"
            lead.return_reason = rng.choice(RETURN_REASONS)
            lead.responded_at = self.tick(self.wd(day, 1))
            lead.save()
            self.timeline(
                issue,
                Kind.RETURNED,
                lead.responded_at,
                author=self.liaisons[lead_code],
                body=lead.return_reason,
                old=Status.ASSIGNED,
                new=Status.RETURNED,
                assignment=lead,
            )
            issue.status = Status.RETURNED
            issue.save()
            return

        # Accepted: in progress.
        accept_day = min(self.wd(day, rng.randint(0, 2)), today)
        lead.status, lead.responded_at = "accepted", self.tick(accept_day)
        self._floor = lead.responded_at
        lead.save()
        self.timeline(
            issue,
            Kind.ACCEPTED,
            lead.responded_at,
            author=self.liaisons[lead_code],
            old=Status.ASSIGNED,
            new=Status.IN_PROGRESS,
            assignment=lead,
        )
        issue.status = Status.IN_PROGRESS
        for a in cos:
            if spec.status == Status.IN_PROGRESS and rng.random() < 0.2:
                continue  # a co-handler that has not answered yet
            code = a.department.code
            a.status, a.responsible_person = "accepted", self.liaisons[code]
            a.responded_at = self.floating(min(self.wd(accept_day, rng.randint(0, 2)), today))
            a.save()
            self.timeline(
                issue, Kind.ACCEPTED, a.responded_at, author=self.liaisons[code], assignment=a
            )

        # When it concludes (if it does), and what happens before.
        if spec.status == Status.CLOSED:
            latest = today - timedelta(days=3)
            on_time = rng.random() < 0.85
            end = deadline if on_time else deadline + timedelta(rng.randint(1, 12))
            end = min(end, latest)
            start = min(accept_day + timedelta(1), end)
            concluded = start + timedelta(rng.randint(0, max(0, (end - start).days)))
            if spec.reopened:  # reopened ones take longer
                concluded = min(max(concluded, accept_day + timedelta(20)), latest)
        elif spec.status == Status.CONCLUSION_REPORTED:
            concluded = max(accept_day + timedelta(1), today - timedelta(rng.randint(0, 8)))
            concluded = min(concluded, today)
        else:
            concluded = None
        horizon = concluded or today
        if spec.reopened:
            first_day = accept_day + timedelta(max(1, (horizon - accept_day).days // 3))
            reopen_day = first_day + timedelta(2)
            self.progress(issue, lead, accept_day, first_day, rng.randint(1, 2))
            self.timeline(
                issue,
                Kind.CONCLUSION,
                self.tick(first_day),
                author=self.liaisons[lead_code],
                body=rng.choice(RESOLUTIONS),
                old=Status.IN_PROGRESS,
                new=Status.CONCLUSION_REPORTED,
                assignment=lead,
            )
            # The enterprise was not satisfied when called back: reopened.
            self._floor = self.tick(reopen_day)
            self.timeline(
                issue,
                Kind.REOPENED,
                self._floor,
                author=monitor,
                body="企业回访不满意：问题仍未实际解决，退回牵头单位继续办理。",
                old=Status.CONCLUSION_REPORTED,
                new=Status.IN_PROGRESS,
            )
            issue.reopened_count = 1
            if spec.status == Status.IN_PROGRESS:
                issue.satisfaction = Issue.Satisfaction.DISSATISFIED
            self.progress(issue, lead, reopen_day, horizon, 1)
        else:
            self.progress(issue, lead, accept_day, horizon, rng.randint(1, 3))
        if spec.instruction:
            chair = rng.choice(self.chairs)
            when = self.floating(accept_day + timedelta((horizon - accept_day).days // 2))
            self.timeline(
                issue, Kind.INSTRUCTION, when, author=chair, body=rng.choice(INSTRUCTIONS)
            )
        if spec.extension:
            self.extension(issue, lead, spec.extension, accept_day)
        if spec.status == Status.IN_PROGRESS:
            if spec.plan == "overdue" and self.wd(deadline, 5) <= today:
                issue.escalated_on = self.wd(deadline, 5)
                self.timeline(
                    issue,
                    Kind.ESCALATED,
                    min(at(issue.escalated_on, 8), self.now),
                    body="超过办理时限5个工作日未办结，已提请牵头单位负责人督办。",
                )
            issue.save()
            return

        # Conclusion reported.
        lead.status = "done"
        lead.save()
        issue.status = Status.CONCLUSION_REPORTED
        issue.resolution = rng.choice(RESOLUTIONS)
        issue.concluded_on = concluded
        self.timeline(
            issue,
            Kind.CONCLUSION,
            self.tick(concluded),
            author=self.liaisons[lead_code],
            body=issue.resolution,
            old=Status.IN_PROGRESS,
            new=Status.CONCLUSION_REPORTED,
            assignment=lead,
        )
        if spec.status == Status.CONCLUSION_REPORTED:
            issue.save()
            return
        closed_day = min(concluded + timedelta(rng.randint(1, 5)), today)
        issue.status = Status.CLOSED
        issue.closed_at = self.tick(closed_day, 16)
        issue.satisfaction = rng.choices(["satisfied", "basically"], [80, 20])[0]
        self.timeline(
            issue,
            Kind.CLOSED,
            issue.closed_at,
            author=rng.choice(self.staff),
            body=SATISFACTION_ZH[issue.satisfaction],
            old=Status.CONCLUSION_REPORTED,
            new=Status.CLOSED,
        )
        issue.save()

    def progress(self, issue, lead, start: date, end: date, count: int):
        span = max(0, (end - start).days - 1)
        for _ in range(count):
            day = start + timedelta(1 + self.rng.randint(0, span)) if span else start
            self.timeline(
                issue,
                Kind.PROGRESS,
                self.floating(min(day, end)),
                author=lead.responsible_person,
                body=self.rng.choice(PROGRESS),
                assignment=lead,
            )

    def extension(self, issue, lead, kind, accept_day):
        today, liaison = self.today, lead.responsible_person
        if kind == "pending":
            asked = max(accept_day, today - timedelta(1))
            ext = ExtensionRequest.objects.create(
                issue=issue,
                requested_by=liaison,
                current_deadline=issue.deadline,
                requested_deadline=self.wd(issue.deadline, 10),
                reason="需等待市级主管部门批复，申请延长办理时限。",
                created_at=self.floating(asked),
            )
        else:
            granted = kind == "granted"
            old = self.wd(issue.deadline, -10) if granted else issue.deadline
            asked = min(max(accept_day, self.wd(old, -3)), today)
            created = self.floating(asked)
            decided = self.floating(min(asked + timedelta(1), today))
            ext = ExtensionRequest.objects.create(
                issue=issue,
                requested_by=liaison,
                current_deadline=old,
                requested_deadline=issue.deadline if granted else self.wd(old, 15),
                reason="涉及多个部门会签，材料流转需要时间。",
                status="granted" if granted else "refused",
                decided_by=self.users["staff"],
                decided_at=min(max(decided, created + timedelta(minutes=30)), self.now),
                decision_note=(
                    "同意延期，请按新时限办结。" if granted else "时限内可以办结，不予延期。"
                ),
                created_at=created,
            )
            if granted:
                issue.original_deadline = old
        self.timeline(
            issue,
            Kind.EXTENSION_REQUESTED,
            ext.created_at,
            author=liaison,
            body=f"{ext.requested_deadline}: {ext.reason}",
            extension=ext,
            assignment=lead,
        )
        if ext.decided_at:
            body = f"{EXTENSION_ZH[ext.status]}：{ext.requested_deadline} — {ext.decision_note}"
            self.timeline(
                issue,
                Kind.EXTENSION_DECIDED,
                ext.decided_at,
                author=ext.decided_by,
                body=body,
                extension=ext,
            )

    def backdate(self):
        """Creation times that fit the story (``auto_now_add`` stamped them all today)."""
        span = max(1, (self.today - timedelta(days=400) - self.founded).days)
        for e in self.enterprises:
            day = self.founded + timedelta(self.rng.randint(0, span))
            Enterprise.objects.filter(pk=e.pk).update(created_at=at(day, 10))
        for m in Meeting.objects.filter(roundtable=self.roundtable):
            earliest = self.now - timedelta(days=10)
            created = min(m.starts_at - timedelta(days=self.rng.randint(7, 30)), earliest)
            Meeting.objects.filter(pk=m.pk).update(created_at=created)
            IntakeItem.objects.filter(meeting=m).update(
                created_at=min(created + timedelta(days=3), self.now - timedelta(days=5))
            )
        first = self.study.issues.order_by("raised_on").values_list("raised_on", flat=True)[:1]
        if first:
            SpecialStudy.objects.filter(pk=self.study.pk).update(
                created_at=at(first[0] + timedelta(days=30), 10)
            )

    def build_notifications(self):
        """A few unread notices, so the demo logins have something in their inbox."""
        rows = []
        pnr = self.departments["pnr"]
        for a in Assignment.objects.filter(department=pnr, is_current=True, status="pending"):
            for user in (self.liaisons["pnr"], self.heads["pnr"]):
                rows.append(
                    Notification(
                        recipient=user,
                        issue=a.issue,
                        title=f"{a.issue.reference} 已交办你单位",
                        reason="你单位被交办此事项。",
                        url=f"/issues/{a.issue.pk}/",
                    )
                )
        for issue in Issue.objects.filter(status__in=[Status.RETURNED, Status.CONCLUSION_REPORTED]):
            what = "被退回，需重新交办" if issue.status == Status.RETURNED else "已报办结，待核实"
            rows.append(
                Notification(
                    recipient=self.users["staff"],
                    issue=issue,
                    title=f"{issue.reference} {what}",
                    reason="你是区商务委工作人员。",
                    url=f"/issues/{issue.pk}/",
                )
            )
        Notification.objects.bulk_create(rows)


def load_base(out=None) -> dict[str, int] | None:
    """Build the base set, or return None when it is already there."""
    if is_loaded():
        return None
    with transaction.atomic():
        counts = BaseLoader(out).run()
        Issue.objects.filter(lead_department__isnull=True).sync_lead_department()
        return counts


# --- Synthetic bulk rows ------------------------------------------------------------------


def add_enterprises(count: int, *, out=None, batch_size: int = 5000) -> int:
    """Add ``count`` synthetic enterprises (each with one contact) by bulk insert."""
    if count <= 0:
        return 0
    rng = random.Random(SEED + 1 + Enterprise.objects.count())
    start = Enterprise.objects.filter(name_zh__startswith=SYNTHETIC_PREFIX_ZH).count() + 1
    countries = sorted({e[0] for e in ENTERPRISES})
    fields = sorted({(e[3], e[4]) for e in ENTERPRISES})
    staff = list(User.objects.filter(groups__name=Role.COMMERCE_STAFF).values_list("pk", flat=True))
    taken = set(Enterprise.objects.values_list("credit_code", flat=True))
    for offset in range(0, count, batch_size):
        rows = []
        for n in range(start + offset, start + min(count, offset + batch_size)):
            code = make_uscc("X" + _to_base31(n, 8))
            while code in taken:  # never, unless someone typed our pattern in
                code = make_uscc("Y" + "".join(rng.choice(ALPHABET) for _ in range(8)))
            taken.add(code)
            industry, business = rng.choice(fields)
            rows.append(
                Enterprise(
                    name_zh=f"{SYNTHETIC_PREFIX_ZH}{n:06d}（重庆）有限公司",
                    name_en=f"Synthetic Demo Enterprise {n:06d} (Chongqing) Co., Ltd.",
                    credit_code=code,
                    country=rng.choice(countries),
                    industry=industry,
                    business_field=business,
                    address=rng.choice(ADDRESSES).format(
                        n=rng.randint(1, 299), f=rng.randint(2, 40)
                    ),
                    size=rng.choice(["large", "medium", "small", "micro"]),
                    service_contact_id=rng.choice(staff) if staff else None,
                )
            )
        with transaction.atomic():
            Enterprise.objects.bulk_create(rows)
            EnterpriseContact.objects.bulk_create(
                EnterpriseContact(
                    enterprise=e,
                    name=f"Contact {e.name_en.split()[3]}",
                    title=CONTACT_TITLES[0],
                    phone=f"138-0000-{rng.randint(0, 9999):04d}",
                    email=f"contact.{e.credit_code.lower()}@example.com",
                    is_primary=True,
                )
                for e in rows
            )
        _say(out, f"  enterprises: {offset + len(rows)}/{count}\n")
    return count


class _RowWriter:
    """Plain multi-row INSERTs for bulk rows: ``bulk_create`` spends most of its time building
    model instances and compiling each value, which is minutes for a million rows. Values go
    through the backend's own date and datetime adapters, as Django's would."""

    def __init__(self, model, columns: list[str]):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        qn = connection.ops.quote_name
        self.columns = columns
        self.table = qn(model._meta.db_table)
        names = ", ".join(qn(fields[c].column) for c in columns)
        self.sql = f"INSERT INTO {self.table} ({names}) VALUES "
        self.width = len(columns)
        adapt_dt = connection.ops.adapt_datetimefield_value
        adapt_d = connection.ops.adapt_datefield_value
        self.adapters = []
        for c in columns:
            kind = fields[c].get_internal_type()
            self.adapters.append(
                adapt_dt if kind == "DateTimeField" else adapt_d if kind == "DateField" else None
            )
        # SQLite allows 32,766 parameters per statement since 3.32; stay well below, and below
        # Django's own guess for older builds.
        limit = 30_000 if connection.vendor != "sqlite" or _sqlite_new() else 999
        self.rows_per_statement = max(1, limit // self.width)

    def write(self, rows: list[tuple]) -> None:
        adapters = [(i, f) for i, f in enumerate(self.adapters) if f is not None]
        params = []
        for row in rows:
            row = list(row)
            for i, adapt in adapters:
                if row[i] is not None:
                    row[i] = adapt(row[i])
            params.append(row)
        one = "(" + ", ".join(["%s"] * self.width) + ")"
        with connection.cursor() as cursor:
            for start in range(0, len(params), self.rows_per_statement):
                part = params[start : start + self.rows_per_statement]
                cursor.execute(
                    self.sql + ", ".join([one] * len(part)),
                    [value for row in part for value in row],
                )


def _sqlite_new() -> bool:
    import sqlite3

    return sqlite3.sqlite_version_info >= (3, 32, 0)


ISSUE_COLUMNS = [
    "reference", "year", "sequence", "title", "description", "enterprise_id", "category_id",
    "source", "raised_on", "priority", "follow_up_requirement", "monitor_id", "deadline",
    "original_deadline", "status", "resolution", "concluded_on", "closed_at", "satisfaction",
    "reopened_count", "version", "created_by_id", "created_at", "updated_at",
]  # fmt: skip
ASSIGNMENT_COLUMNS = [
    "issue_id", "department_id", "role", "responsible_person_id", "status", "return_reason",
    "assigned_at", "responded_at", "is_current",
]  # fmt: skip
UPDATE_COLUMNS = [
    "issue_id", "assignment_id", "department_id", "author_id", "kind", "body", "old_status",
    "new_status", "created_at",
]  # fmt: skip
_ASSIGNMENT_STATUS = {
    "assigned": "pending",
    "returned": "returned",
    "in_progress": "accepted",
    "concluded": "done",
    "closed": "done",
}


def add_issues(count: int, *, out=None, batch_size: int = 5000) -> int:
    """Add ``count`` synthetic issues in batches: each with a lead assignment (sometimes a
    co-handler too) and one or two timeline entries, spread over the last year, every status,
    department, category and enterprise. References are reserved per year in one locked update
    of the counter per batch, in the batch's transaction. Rows are inserted directly, so they
    have no history records."""
    if count <= 0:
        return 0
    today, now = timezone.localdate(), timezone.now()
    rng = random.Random(SEED + 2 + Issue.objects.count())
    dept_rows = list(Department.objects.filter(is_active=True).values_list("pk", "code"))
    if not dept_rows:
        raise ValueError("no departments: load the base set first")
    liaison_of = dict(
        DepartmentMembership.objects.current()
        .liaisons()
        .order_by("started_on")
        .values_list("department_id", "user_id")
    )
    dept_ids = [pk for pk, _ in dept_rows]
    code_to_id = {code: pk for pk, code in dept_rows}
    cats = dict(Category.objects.values_list("code", "pk"))
    templates = [t for t in TEMPLATES if t[1] in cats and t[2] in code_to_id]
    cat_ids = list(cats.values())
    ent_ids = list(Enterprise.objects.filter(is_active=True).values_list("pk", flat=True))
    if not (cat_ids and ent_ids):
        raise ValueError("no categories or enterprises: load the base set first")
    staff = list(
        User.objects.filter(groups__name=Role.COMMERCE_STAFF)
        .order_by("pk")
        .values_list("pk", flat=True)
    ) or [None]
    table = WorkdayTable(today - timedelta(days=450), today + timedelta(days=300))
    sources = Issue.Source.values
    satisfactions = ["satisfied"] * 8 + ["basically"] * 2
    issue_writer = _RowWriter(Issue, ISSUE_COLUMNS)
    assignment_writer = _RowWriter(Assignment, ASSIGNMENT_COLUMNS)
    update_writer = _RowWriter(ActionUpdate, UPDATE_COLUMNS)
    nine = {}

    def moment(day: date, minutes: int) -> datetime:
        base = nine.get(day)
        if base is None:
            base = nine[day] = at(day, 9)
        return min(base + timedelta(minutes=minutes), now)

    # Oldest first, so that references follow the raised-on dates within the run.
    ages = sorted((rng.randint(0, 364) for _ in range(count)), reverse=True)
    done = 0
    for offset in range(0, count, batch_size):
        chunk = ages[offset : offset + batch_size]
        with transaction.atomic():
            per_year = {}
            for age in chunk:
                year = (today - timedelta(days=age)).year
                per_year[year] = per_year.get(year, 0) + 1
            first_seq = {y: reserve_references(y, n) for y, n in sorted(per_year.items())}
            next_seq = dict(first_seq)
            issue_rows, plans = [], []
            for age in chunk:
                raised = today - timedelta(days=age)
                if age < 5:
                    status = rng.choices(
                        ["logged", "assigned", "returned", "in_progress"], [30, 40, 5, 25]
                    )[0]
                elif age < 30:
                    status = rng.choices(
                        ["logged", "assigned", "returned", "in_progress", "concluded", "closed"],
                        [2, 8, 2, 50, 13, 25],
                    )[0]
                else:
                    status = rng.choices(["in_progress", "concluded", "closed"], [12, 4, 84])[0]
                if templates:
                    t = rng.choice(templates)
                    title, cat_id, lead = t[4], cats[t[1]], code_to_id[t[2]]
                    co_choices = [code_to_id[c] for c in t[3] if c in code_to_id]
                else:
                    title, cat_id, lead = "演示事项", rng.choice(cat_ids), rng.choice(dept_ids)
                    co_choices = [d for d in dept_ids if d != lead]
                if rng.random() < 0.15:  # not always the usual department
                    lead = rng.choice(dept_ids)
                    co_choices = [d for d in co_choices if d != lead]
                year = raised.year
                seq = next_seq[year]
                next_seq[year] += 1
                assign_day = None
                if status != "logged":
                    assign_day = min(table.add(raised, 1), today)
                deadline = None
                if assign_day:
                    deadline = table.add(assign_day, rng.choice((5, 10, 15, 20, 20, 30)))
                if status in ("in_progress", "assigned", "returned"):
                    # Open issues: about a quarter overdue, the rest due over the coming weeks.
                    due = table.add(today, rng.randint(-12, 36))
                    deadline = max(due, table.add(assign_day, 3))
                concluded = closed_at = None
                if status in ("concluded", "closed"):
                    span = max(1, (min(deadline + timedelta(5), today) - assign_day).days)
                    concluded = min(assign_day + timedelta(rng.randint(1, span)), today)
                    if status == "closed":
                        closed_day = min(concluded + timedelta(rng.randint(0, 4)), today)
                        closed_at = moment(closed_day, 420 + rng.randint(0, 60))
                created = moment(raised, rng.randint(0, 480))
                resolution = rng.choice(RESOLUTIONS) if concluded else ""
                satisfaction = rng.choice(satisfactions) if closed_at else ""
                monitor = rng.choice(staff)
                issue_rows.append(
                    (
                        format_reference(year, seq), year, seq, title, "", rng.choice(ent_ids),
                        cat_id, rng.choice(sources), raised,
                        rng.choices(["normal", "high", "urgent"], [75, 20, 5])[0], "", monitor,
                        deadline, deadline, status, resolution, concluded, closed_at,
                        satisfaction, 1 if closed_at and rng.random() < 0.03 else 0, 1, staff[0],
                        created, now,
                    )
                )  # fmt: skip
                co = rng.choice(co_choices) if co_choices and rng.random() < 0.3 else None
                plans.append(
                    (year, seq, status, lead, co, assign_day, concluded, closed_at, created,
                     resolution, satisfaction, monitor)
                )  # fmt: skip
            issue_writer.write(issue_rows)
            ids = {}
            for year, first in first_seq.items():
                ids.update(
                    ((year, seq), pk)
                    for pk, seq in Issue.objects.filter(
                        year=year, sequence__gte=first, sequence__lt=next_seq[year]
                    ).values_list("pk", "sequence")
                )

            assignment_rows, update_rows, times = [], [], {}
            for year, seq, status, lead, co, assign_day, _c, _ca, created, *_ in plans:
                issue_id = ids[(year, seq)]
                update_rows.append(
                    (issue_id, None, None, staff[0], Kind.LOGGED, "", "", "", created)
                )
                if status == "logged":
                    continue
                assigned_at = max(moment(assign_day, 60 + rng.randint(0, 400)), created)
                responded = None
                if status != "assigned":
                    responded = min(assigned_at + timedelta(hours=20), now)
                times[issue_id] = (assigned_at, responded)
                assignment_rows.append(
                    (issue_id, lead, "lead", liaison_of.get(lead), _ASSIGNMENT_STATUS[status],
                     RETURN_REASONS[0] if status == "returned" else "", assigned_at, responded,
                     True)
                )  # fmt: skip
                if co is not None:
                    pending = status in ("assigned", "returned")
                    assignment_rows.append(
                        (issue_id, co, "co", None if pending else liaison_of.get(co),
                         "pending" if pending else "accepted", "", assigned_at,
                         None if pending else responded, True)
                    )  # fmt: skip
            assignment_writer.write(assignment_rows)
            lead_ids = dict(
                Assignment.objects.filter(
                    issue_id__gte=min(times, default=0),
                    issue_id__lte=max(times, default=0),
                    role="lead",
                    is_current=True,
                ).values_list("issue_id", "pk")
            )
            for year, seq, status, lead, _co, _a, concluded, closed_at, _cr, *rest in plans:
                if status == "logged":
                    continue
                resolution, satisfaction, monitor = rest
                issue_id = ids[(year, seq)]
                assigned_at, responded = times[issue_id]
                if status == "assigned":
                    kind, body, old, when = Kind.ASSIGNED, "", "logged", assigned_at
                elif status == "returned":
                    kind, body, old, when = Kind.RETURNED, RETURN_REASONS[0], "assigned", responded
                elif status == "in_progress":
                    kind, body, old, when = Kind.ACCEPTED, "", "assigned", responded
                elif status == "concluded":
                    when = max(moment(concluded, 300), responded)
                    kind, body, old = Kind.CONCLUSION, resolution, "in_progress"
                else:
                    body = SATISFACTION_ZH[satisfaction]
                    update_rows.append(
                        (issue_id, None, None, monitor, Kind.CLOSED, body, "concluded", status,
                         closed_at)
                    )  # fmt: skip
                    continue
                by_lead = kind != Kind.ASSIGNED
                update_rows.append(
                    (issue_id, lead_ids[issue_id] if by_lead else None, lead if by_lead else None,
                     liaison_of.get(lead) if by_lead else staff[0], kind, body, old, status, when)
                )  # fmt: skip
            update_writer.write(update_rows)
        done += len(chunk)
        _say(out, f"  issues: {done}/{count}\n")
    # Rows written directly skip issues.services, which keeps Issue.lead_department.
    Issue.objects.filter(lead_department__isnull=True).sync_lead_department()
    return count
