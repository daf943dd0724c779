#!/usr/bin/env python3
"""Writes src/Dispatch.Server/Demo/gazetteer.json, the demo city's gazetteer (docs/gazetteer.md).

Run from the repository root: python3 deploy/demo/make-gazetteer.py
Reads the demo city's boundaries (docs/demo-city.geojson) and places, for every town, roads with house-number ranges,
communities and landmarks at points well inside the town (at least MARGIN degrees from its edge), from a fixed seed, so
the same file comes out on every run. The places of the demo incident seed (src/Dispatch.Server/Demo/DemoCity.cs) are
kept at their own coordinates, so the gazetteer and the demo's incidents agree. The server checks every entry lies in the
town it names when it loads the file; GazetteerTests checks it again against the jurisdiction tree.
"""
import json, math, random

MARGIN = 0.002  # about 200 m: rounding and a road's length stay inside the town
random.seed(20261206)

city = json.load(open('docs/demo-city.geojson', encoding='utf-8'))
towns = {f['properties']['code']: f for f in city['features'] if f['properties']['kind'] == 'town'}
districts = {f['properties']['code']: f['properties']['name'] for f in city['features'] if f['properties']['kind'] == 'district'}

def ring(code):
    g = towns[code]['geometry']
    assert g['type'] == 'Polygon'
    return g['coordinates'][0]

def inside(code, lat, lon):
    r, x, y, hit = ring(code), lon, lat, False
    for (x1, y1), (x2, y2) in zip(r, r[1:]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit

def edge_distance(code, lat, lon):
    r, best = ring(code), 1e9
    for (x1, y1), (x2, y2) in zip(r, r[1:]):
        dx, dy = x2 - x1, y2 - y1
        t = max(0, min(1, ((lon - x1) * dx + (lat - y1) * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(lon - (x1 + t * dx), lat - (y1 + t * dy)))
    return best

def well_inside(code, lat, lon):
    return inside(code, lat, lon) and edge_distance(code, lat, lon) >= MARGIN

def town_of(lat, lon):
    found = [c for c in towns if inside(c, lat, lon)]
    assert len(found) == 1, (lat, lon, found)
    return found[0]

def point(code):
    xs = [c[0] for c in ring(code)]; ys = [c[1] for c in ring(code)]
    while True:
        lat, lon = round(random.uniform(min(ys), max(ys)), 6), round(random.uniform(min(xs), max(xs)), 6)
        if well_inside(code, lat, lon):
            return lat, lon

def road(code, length):
    """A straight stretch well inside the town: (from, to) with every point along it well inside."""
    for _ in range(2000):
        lat, lon = point(code)
        angle = random.uniform(0, math.pi)
        dlat, dlon = length / 2 * math.sin(angle), length / 2 * math.cos(angle)
        a, b = (round(lat - dlat, 6), round(lon - dlon, 6)), (round(lat + dlat, 6), round(lon + dlon, 6))
        if all(well_inside(code, a[0] + (b[0] - a[0]) * t / 10, a[1] + (b[1] - a[1]) * t / 10) for t in range(11)):
            return a, b
        length *= 0.97
    raise RuntimeError(f'no road fits in {code}')

# Town names without their 街道/镇, with pinyin, for the landmarks named after the town.
TOWN_SHORT = {
    'dh-01': ('人民路', 'Renminlu'), 'dh-02': ('解放路', 'Jiefanglu'), 'dh-03': ('湖滨', 'Hubin'), 'dh-04': ('东湖', 'Donghu'),
    'xs-01': ('文化宫', 'Wenhuagong'), 'xs-02': ('幸福里', 'Xingfuli'), 'xs-03': ('枫林', 'Fenglin'), 'xs-04': ('西山', 'Xishan'),
    'nj-01': ('滨江', 'Binjiang'), 'nj-02': ('新村', 'Xincun'), 'nj-03': ('望江', 'Wangjiang'),
    'bc-01': ('火车站', 'Huochezhan'), 'bc-02': ('和平', 'Heping'), 'bc-03': ('长兴', 'Changxing'),
    'gx-01': ('科技园', 'Kejiyuan'), 'gx-02': ('创业路', 'Chuangyelu'), 'gx-03': ('云谷', 'Yungu'), 'gx-04': ('高新', 'Gaoxin'),
}
assert set(TOWN_SHORT) == set(towns), sorted(set(towns) ^ set(TOWN_SHORT))

ROAD_STEMS = [('中山', 'Zhongshan'), ('胜利', 'Shengli'), ('光明', 'Guangming'), ('新华', 'Xinhua'), ('朝阳', 'Chaoyang'),
    ('长江', 'Changjiang'), ('黄河', 'Huanghe'), ('东风', 'Dongfeng'), ('青年', 'Qingnian'), ('工农', 'Gongnong'),
    ('学府', 'Xuefu'), ('湖光', 'Huguang'), ('桂花', 'Guihua'), ('梧桐', 'Wutong'), ('银杏', 'Yinxing'),
    ('香樟', 'Xiangzhang'), ('沿江', 'Yanjiang'), ('江滨', 'Jiangbin'), ('站前', 'Zhanqian'), ('兴业', 'Xingye'),
    ('科苑', 'Keyuan'), ('创新', 'Chuangxin'), ('星火', 'Xinghuo'), ('锦绣', 'Jinxiu'), ('振兴', 'Zhenxing'),
    ('团结', 'Tuanjie'), ('复兴', 'Fuxing'), ('延安', 'Yan\'an'), ('淮海', 'Huaihai'), ('太平', 'Taiping'),
    ('永安', 'Yong\'an'), ('康宁', 'Kangning'), ('迎春', 'Yingchun'), ('春晖', 'Chunhui'), ('育才', 'Yucai'),
    ('书院', 'Shuyuan'), ('体育', 'Tiyu'), ('文昌', 'Wenchang'), ('望湖', 'Wanghu'), ('临江', 'Linjiang'),
    ('聚贤', 'Juxian'), ('双桥', 'Shuangqiao'), ('金桥', 'Jinqiao'), ('龙华', 'Longhua'), ('凤凰', 'Fenghuang'),
    ('紫阳', 'Ziyang'), ('白云', 'Baiyun'), ('青云', 'Qingyun'), ('明珠', 'Mingzhu'), ('天山', 'Tianshan'),
    ('昆仑', 'Kunlun'), ('泰山', 'Taishan'), ('华山', 'Huashan'), ('衡山', 'Hengshan')]
ROAD_KINDS = [('路', 'Lu', 'Road'), ('街', 'Jie', 'Street'), ('大道', 'Dadao', 'Avenue')]
COMMUNITY_STEMS = [('阳光', 'Yangguang'), ('翠湖', 'Cuihu'), ('碧水', 'Bishui'), ('金桂', 'Jingui'), ('锦华', 'Jinhua'),
    ('玉兰', 'Yulan'), ('紫荆', 'Zijing'), ('海棠', 'Haitang'), ('丽景', 'Lijing'), ('怡景', 'Yijing'), ('馨苑', 'Xinyuan'),
    ('绿洲', 'Lüzhou'), ('万科', 'Wanke'), ('东方', 'Dongfang'), ('华府', 'Huafu'), ('盛世', 'Shengshi'), ('康乐', 'Kangle'),
    ('嘉禾', 'Jiahe'), ('春江', 'Chunjiang'), ('金色', 'Jinse'), ('蓝天', 'Lantian'), ('白鹭', 'Bailu'), ('清水', 'Qingshui'),
    ('荷塘', 'Hetang'), ('枫丹', 'Fengdan'), ('桃源', 'Taoyuan'), ('杏林', 'Xinglin'), ('松鹤', 'Songhe'), ('富康', 'Fukang'),
    ('和谐', 'Hexie'), ('宏达', 'Hongda'), ('新城', 'Xincheng'), ('南苑', 'Nanyuan'), ('北苑', 'Beiyuan'), ('东苑', 'Dongyuan'),
    ('西苑', 'Xiyuan'), ('景秀', 'Jingxiu'), ('御景', 'Yujing'), ('金鼎', 'Jinding'), ('银河', 'Yinhe'), ('星河', 'Xinghe'),
    ('水岸', 'Shui\'an'), ('香榭', 'Xiangxie'), ('静安', 'Jing\'an'), ('安居', 'Anju'), ('乐居', 'Leju'), ('福寿', 'Fushou'),
    ('长乐', 'Changle'), ('永和', 'Yonghe'), ('如意', 'Ruyi'), ('吉祥', 'Jixiang'), ('明德', 'Mingde'), ('知音', 'Zhiyin'),
    ('晨曦', 'Chenxi'), ('朝晖', 'Zhaohui'), ('红枫', 'Hongfeng'), ('秋实', 'Qiushi'), ('丰泽', 'Fengze'), ('润园', 'Runyuan'),
    ('凯旋', 'Kaixuan'), ('文苑', 'Wenyuan'), ('书香', 'Shuxiang'), ('花溪', 'Huaxi'), ('竹园', 'Zhuyuan'), ('梅园', 'Meiyuan'),
    ('兰亭', 'Lanting'), ('菊园', 'Juyuan'), ('柳岸', 'Liu\'an'), ('芳草', 'Fangcao'), ('青松', 'Qingsong'), ('翠竹', 'Cuizhu'),
    ('丹桂', 'Dangui'), ('雅苑', 'Yayuan'), ('华庭', 'Huating'), ('锦园', 'Jinyuan'), ('泰和', 'Taihe')]
COMMUNITY_KINDS = [('小区', 'Xiaoqu', 'Estate'), ('新村', 'Xincun', 'Village'), ('花园', 'Huayuan', 'Garden'), ('社区', 'Shequ', 'Community')]
# Landmarks every town has, named after the town.
TOWN_LANDMARKS = [('派出所', 'Paichusuo', 'Police Station'), ('社区卫生服务中心', 'Shequ Weisheng Fuwu Zhongxin', 'Community Health Centre'),
    ('菜市场', 'Caishichang', 'Market')]
# Landmarks of the city, one per town in turn.
CITY_LANDMARKS = [('市第一人民医院', 'Shi Diyi Renmin Yiyuan', 'First People\'s Hospital'), ('市图书馆', 'Shi Tushuguan', 'City Library'),
    ('市体育中心', 'Shi Tiyu Zhongxin', 'City Sports Centre'), ('市第二人民医院', 'Shi Di\'er Renmin Yiyuan', 'Second People\'s Hospital'),
    ('市中医院', 'Shi Zhongyiyuan', 'Chinese Medicine Hospital'), ('第一中学', 'Diyi Zhongxue', 'No. 1 Middle School'),
    ('实验小学', 'Shiyan Xiaoxue', 'Experimental Primary School'), ('市博物馆', 'Shi Bowuguan', 'City Museum'),
    ('人民公园', 'Renmin Gongyuan', 'People\'s Park'), ('长途汽车站', 'Changtu Qichezhan', 'Coach Station'),
    ('会展中心', 'Huizhan Zhongxin', 'Exhibition Centre'), ('市民中心', 'Shimin Zhongxin', 'Citizen Centre'),
    ('妇幼保健院', 'Fuyou Baojianyuan', 'Maternity and Child Hospital'), ('第三中学', 'Disan Zhongxue', 'No. 3 Middle School'),
    ('万达广场', 'Wanda Guangchang', 'Wanda Plaza'), ('文化艺术中心', 'Wenhua Yishu Zhongxin', 'Arts Centre'),
    ('职业技术学院', 'Zhiye Jishu Xueyuan', 'Vocational College'), ('湿地公园', 'Shidi Gongyuan', 'Wetland Park'),
    ('高铁站', 'Gaotiezhan', 'High-speed Railway Station')]

places = []
def add(kind, name, aliases, code, lat, lon, numbers=None):
    assert well_inside(code, lat, lon) or kind == 'seed', (name, code)
    entry = {'kind': kind, 'name': name, 'aliases': aliases, 'town': code, 'lat': lat, 'lon': lon}
    if numbers: entry['numbers'] = numbers
    places.append(entry)

# The demo incident seed's places, where the seed puts them (DemoCity.Places), so a typed seed address finds its point.
# 人民路 runs through 128 at the demo call's point (docs/keyboard.md): house numbers 1–199 from a to b.
demo = (31.2304, 121.4737)
step = (0.000025, 0.00008)
a = (round(demo[0] - 127 * step[0], 6), round(demo[1] - 127 * step[1], 6))
b = (round(demo[0] + 71 * step[0], 6), round(demo[1] + 71 * step[1], 6))
code = town_of(*demo)
assert all(inside(code, a[0] + (b[0] - a[0]) * t / 10, a[1] + (b[1] - a[1]) * t / 10) for t in range(11))
mid = (round((a[0] + b[0]) / 2, 6), round((a[1] + b[1]) / 2, 6))
places.append({'kind': 'road', 'name': '人民路', 'aliases': ['Renmin Lu', 'Renmin Road'], 'town': code, 'lat': mid[0], 'lon': mid[1],
               'numbers': {'first': 1, 'last': 199, 'from': {'lat': a[0], 'lon': a[1]}, 'to': {'lat': b[0], 'lon': b[1]}}})
seeded = [
    ('landmark', '解放路与建设路交叉口', ['Jiefang Lu Jianshe Lu', 'Jiefang Road and Jianshe Road'], 31.2351, 121.4810),
    ('community', '幸福里小区', ['Xingfuli Xiaoqu', 'Xingfuli Estate'], 31.2212, 121.4432),
    ('landmark', '文化宫', ['Wenhuagong', 'Workers\' Cultural Palace'], 31.2260, 121.4501),
    ('landmark', '滨江大道66号', ['Binjiang Dadao 66', 'Binjiang Avenue 66'], 31.2105, 121.4903),
    ('landmark', '新村街道菜市场', ['Xincun Caishichang', 'Xincun Market'], 31.2051, 121.4788),
    ('landmark', '火车站东广场', ['Huochezhan Dong Guangchang', 'Railway Station East Square'], 31.2498, 121.4562),
    ('landmark', '和平街17弄', ['Heping Jie 17 Nong', 'Heping Street Lane 17'], 31.2456, 121.4620),
    ('landmark', '科技园B座', ['Kejiyuan B Zuo', 'Science Park Building B'], 31.1980, 121.5120),
    ('landmark', '创业路9号', ['Chuangye Lu 9', 'Chuangye Road 9'], 31.1931, 121.5066),
]
for kind, name, aliases, lat, lon in seeded:
    places.append({'kind': kind, 'name': name, 'aliases': aliases, 'town': town_of(lat, lon), 'lat': lat, 'lon': lon})

random.shuffle(ROAD_STEMS); random.shuffle(COMMUNITY_STEMS)
roads, communities = iter(ROAD_STEMS), iter(COMMUNITY_STEMS)
for i, code in enumerate(sorted(towns)):
    short, short_py = TOWN_SHORT[code]
    for r in range(3):
        (stem, py), (suffix, spy, en) = next(roads), ROAD_KINDS[r]
        first = 1 + 200 * random.randint(0, 2)
        a, b = road(code, random.uniform(0.006, 0.012))
        mid = (round((a[0] + b[0]) / 2, 6), round((a[1] + b[1]) / 2, 6))
        add('road', stem + suffix, [f'{py} {spy}', f'{py} {en}'], code, *mid,
            {'first': first, 'last': first + random.choice([99, 149, 199]), 'from': {'lat': a[0], 'lon': a[1]}, 'to': {'lat': b[0], 'lon': b[1]}})
    for c in range(4):
        (stem, py), (suffix, spy, en) = next(communities), COMMUNITY_KINDS[c]
        add('community', stem + suffix, [f'{py} {spy}', f'{py} {en}'], code, *point(code))
    for name, py, en in TOWN_LANDMARKS:
        add('landmark', short + name, [f'{short_py} {py}', f'{short_py} {en}'], code, *point(code))
    name, py, en = CITY_LANDMARKS[i]
    add('landmark', name, [py, en], code, *point(code))

for p in places:
    assert inside(p['town'], p['lat'], p['lon']), p
names = [(p['name'], p['town']) for p in places]
assert len(names) == len(set(names)), 'a name twice in one town'

with open('src/Dispatch.Server/Demo/gazetteer.json', 'w', encoding='utf-8') as f:
    f.write('{\n  "city": "demo",\n  "about": "The demo city\'s gazetteer: roads (with house-number ranges), communities and landmarks per town. '
            'Format: docs/gazetteer.md. Made by deploy/demo/make-gazetteer.py.",\n  "places": [\n')
    f.write(',\n'.join('    ' + json.dumps(p, ensure_ascii=False) for p in places))
    f.write('\n  ]\n}\n')
per_town = {}
for p in places: per_town[p['town']] = per_town.get(p['town'], 0) + 1
print(len(places), 'places;', min(per_town.values()), 'to', max(per_town.values()), 'per town')
