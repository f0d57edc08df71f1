"""Crisis language detection: rule families over a normalised copy of the message.

A miss can cost a life and a false alarm costs one gentle check-in, so the rules lean to recall.
They are written as *families* (a risk concept joined to a wish, plan or volitional ending) rather
than as a list of phrases, and they run on a compact form of the text so that spacing, dots,
digits and stray jamo ("죽 고 싶 어 요", "죽.고.싶.다", "자1살", "죽고싶ㅇ어요") and common typos
("죽고십어요", "쥭고", "살기시러요", "디지고 싶어") do not hide a phrase. Look-alikes are
kept out by the shape of each family (intensifiers like "배고파 죽겠어요" or "죽을 만큼 바빠요"
never carry a wish ending) and by a few exclusions: "유서 깊은", "자살골", work on prevention
("자살 예방 센터에서 일하고 싶어요"), and manner-of-life sentences ("야근하면서 살기는 싫어요").

The families were tuned on ``data/eval/crisis_phrases_dev.yaml`` only; ``bench/crisis.py``
reports them on the held-out file too (numbers in docs/benchmarks.md).
"""

from __future__ import annotations

import re
import unicodedata

_NOT_SYLLABLE = re.compile(r"[^가-힣]+")
_TYPOS: tuple[tuple[str, str], ...] = (
    # Order matters: the slang verbs first, then the spelling slips.
    (r"(?:뒤|디|뒈)지고", "죽고"),
    (r"(?:뒤|디|뒈)질래", "죽을래"),
    (r"(?:뒤|디|뒈)지는게", "죽는게"),
    (r"(?:뒤|디|뒈)져버리", "죽어버리"),
    (r"쥭", "죽"),
    (r"죽구", "죽고"),
    (r"고(?:십|시퍼|시프|시포|싶퍼)", "고싶"),
    (r"기(?:시러|실어|실타|시로)", "기싫어"),
)
TYPO_RES = tuple((re.compile(p), r) for p, r in _TYPOS)

# A wish, plan or volition after a verb stem (싶어, 싶다, 싶은, 고파, -ㄹ래, -ㄹ까, -려고).
_WISH = r"(?:고싶(?!지않|진않|지는않)|고파|고만싶)"

_KO_FAMILIES: dict[str, str] = {
    # 죽다 with a wish or volition; "죽는 게 낫다"; "차라리 죽"; "내가 죽으면".
    "die_wish": r"죽"
    + _WISH
    + r"|죽(?:을지|을때|으려|으면(?!서)|자고)|죽어(?:버리|버릴|버렸으면)|죽을래"
    r"|죽을까(?!봐(?:걱정|무섭|무서|겁))|죽었으면(?:좋|해|하)"
    r"|죽는게(?:나|낫)|죽는것말고|죽음(?:만이|밖에)|죽어도싸|죽어야(?:해|돼|겠|마땅)"
    r"|(?:콱|그냥|걍|확|차라리)죽|(?:같이|다같이)죽자|(?:내|제)가죽(?:으면|어도)"
    r"|(?:죽는|죽을|떨어지는|뛰어내리는|사라지는)(?:상상|생각|방법|궁리)|(?:안아프게|편하게|쉽게|조용히)죽|죽을수있(?:을까|나|겠)",
    # 자살 (not 자살골), 극단적 선택 with intent, ending one's life.
    "suicide": r"자살(?!골)|극단적?(?:인)?선택(?:을)?(?:하고싶|할까|하려|해버|하고말|할래|했)"
    r"|스스로(?:목숨|생|삶)|목숨(?:을)?(?:끊|버리)|(?:생(?:을|이)|삶(?:을|이)?|인생(?:을|이)?)\w{0,10}?"
    r"(?:마감|마치|끝내|끝냈|포기하|포기할|놓아버리|놓고싶|하직)|하직"
    r"|(?:세상|이승)(?:을|에서)?(?:떠나|등지|뜨|하직)(?:고싶|고파|려|고만|는편)|세상을?등지|(?:세상|이승)(?:을|에서)?(?:떠날래|뜰래)"
    r"|다음세상에서|(?:하늘나라|저세상|저승)(?:에|으로|로)?(?:가고싶|갈래|가려|가고파)",
    # Not wanting to live; no reason, meaning or strength to live; living as pain.
    "stop_living": r"그만살(?:고싶|래|까|고파|아야)|살기(?:가|는)?싫|살고싶지(?:가|도)?않"
    r"|살고싶은(?:마음|생각)(?:이|은|도)?없"
    r"|(?:사는|살|살아갈|살아야하는|살아야할|살아있을)(?:게|것이|거)?\w{0,2}"
    r"(?:이유|의미|가치|자격|힘|자신|용기)\w{0,6}?(?:없|모르)"
    r"|사는(?:게|것이|거)\w{0,6}?(?:의미가없|의미없|무의미|무슨의미|괴로|고통|지옥|싫|형벌|벌받|감옥|고문)"
    r"|살아있는(?:게|것이|거)\w{0,4}?(?:괴로|고통|죄|힘들|지옥|싫)|살아서뭐|살아봤자"
    r"|(?:더는|더이상)못살|(?:인생|삶|생)(?:은|이)?(?:끝났|끝이야|끝인|여기까지)"
    r"|(?:왜|계속|굳이)살아야(?:하나|하지|돼|되나|할까|하는지|하는거)"
    r"|그만숨쉬|숨쉬는(?:것|게|거)\w{0,3}?(?:싫|지겨|힘들)|내일(?:아침)?(?:이|가)?(?:안왔으면|오지않았으면|안오면)"
    r"|(?:세상|삶|인생)(?:에|에는)?\w{0,3}?미련(?:이|은|도)?\w{0,4}?없",
    # Wanting to disappear or not to exist.
    "disappear": r"(?:사라지|없어지|지워지|소멸하|증발하)"
    + _WISH
    + r"|(?:사라져|없어져)버리(?:고싶|고파|고만)|사라질래|없어질래"
    r"|(?:사라지|없어지)는게\w{0,6}?(?:나|낫|좋|위한|위해)|(?:내|제)가(?:없어지|사라지)면|세상에서사라지"
    r"|(?:저|나)같은(?:건|게|사람은|놈은|애는)?(?:없어져|사라져|죽어|왜태어)|왜태어났"
    r"|차라리\w{0,4}?(?:없는|없었|사라)|태어나지(?:말|않았)|안태어(?:나|났|날)"
    r"|(?:제|내|저|나|난)(?:가|는|하나)?(?:없어진다고|사라진다고|사라져도|없어져도)"
    r"|(?:제|내|저|나|난)(?:가|는)?없어도(?:아무|상관|다들|모를|괜찮)",
    # Not waking up, sleeping or resting for ever.
    "no_waking": r"(?:안|못)(?:뜨|깨|깨어나|일어나)(?:고싶|고파|게|면좋)"
    r"|(?:안|못)(?:뜰래|깰래|깨어날래)"
    r"|(?:안|못)(?:떴|깼|깨어났|일어났)으면|깨지않았으면|잠들어버렸으면|잠든채"
    r"|(?:영원히|영영)\w{0,3}?(?:잠들|잠자|쉬|떠나|눈감|자고|편해지|깨지)"
    r"|(?:잠들|쉬|떠나|사라지|자|편해지)고싶\w{0,4}?영원히|끝내고싶\w{0,4}?영원히|(?<!퇴근)(?<!집에)(?<!회사)먼저가고싶",
    # Ending everything (not a named task: "과제를 끝내고 싶어요").
    "end_all": r"(?<![을를])(?:다|모든걸|모든것을|모든것|전부|그냥|이제그만)"
    r"(?:끝내|놓|내려놓)(?:고싶|고파|버리고싶)|(?<![을를])(?:다|모든걸|전부|그냥)(?:끝낼래|놓을래)"
    r"|(?<![을를])(?:이제|이제다)끝내려|(?<![이가을를])(?:모든게|모든것이|다)끝났으면",
    # Plans and means.
    "method": r"투신|(?:뛰어내리|떨어지)" + _WISH + r"|뛰어내리고싶어지|뛰어내릴까|뛰어내리려"
    r"|(?:한강|다리|옥상|베란다|창문)\w{0,4}?(?:뛰어|가보고싶|가고싶|가려|갈래|올라갈까|올라가고싶)|한강물온도"
    r"|(?:다리|옥상|베란다)\w{0,3}?난간|(?:차에|트럭에|버스에|차에라도)\w{0,3}?(?:치였으면|치이고싶|치이면좋)"
    r"|가스\w{0,3}?(?:틀|켜|새게)\w{0,4}?(?:놓을까|놓고잘|고싶|려)|밤을?넘기(?:기|지)\w{0,3}?(?:힘들|어렵|못)"
    r"|보험금\w{0,4}?남기|남길(?:편지|말|유언)"
    r"|(?:수면제|약|농약|번개탄|밧줄|청산가리)\w{0,6}?"
    r"(?:모아|모으|모았|샀|사놨|사왔|사다|구했|구하|준비|한꺼번에|한통|다먹|마시|피우|알아보)"
    r"|목(?:을)?(?:매고싶|매고파|맬|매려|매달고싶|매달까|매달려|매달아)"
    r"|(?:차에|차도로|열차에|지하철에|선로에)\w{0,3}?뛰어들"
    r"|(?:자살|극단|떨어질|뛰어내릴)\w{0,2}?방법",
    # Self-harm.
    "self_harm": r"자해|(?:손목|팔|허벅지|다리|몸)\w{0,3}?(?:긋|그었|그어|그을)"
    r"|(?:칼|커터|면도날)\w{0,3}?로\w{0,6}?(?:긋|그었|그어)"
    r"|(?:나|저|자신|스스로|몸)(?:를|을)?\w{0,2}?(?:아프게|해치|다치게|벌주|벌줘)"
    r"|(?:몸|팔|손목|다리|허벅지)에\w{0,4}?상처(?:를)?(?:내|냈)",
    # Farewells and notes.
    "farewell": r"(?:내|제|나의|저의)장례식|유서(?!(?:가|는|도|를)?(?:깊|있는|자랑))"
    r"|마지막(?:인사|말|메시지)?(?:이|가)?(?:될|일)것같"
    r"|고마웠\w{0,6}?안녕|마지막\w{0,10}?말(?:을)?남기|잘지내\w{0,6}?(?:이만|먼저)(?:갈게|간다|가요|떠날)"
    r"|(?:건강하세요|잘지내세요)\w{0,6}?(?:이만|먼저)(?:떠나|떠날|가겠|갈게)"
    r"|물건(?:들)?\w{0,8}?(?:다|모두)?나눠(?:줬|주)|마지막으로\w{0,6}?(?:얼굴|목소리)\w{0,4}?(?:보고싶|듣고싶)",
}
_KO = {name: re.compile(p) for name, p in _KO_FAMILIES.items()}

# A risk word used about work or prevention ("자살 예방 센터에서 일하고 싶어요").
_PREVENTION = re.compile(
    r"(?:자살|자해|투신|극단적?선택)\w{0,2}?"
    r"(?:예방|방지|위기|보도|률|통계|관련|환자|시도자|유가족|생존자)"
)
_WORK_CONTEXT = re.compile(
    r"센터|캠페인|상담사|교육|자료|연구|기관|정책|봉사|홍보|업무|공모전|시설|설계|기자|가이드"
    r"|일하|일을|일해|일했|근무|병원|환자|구조|유가족|모임|단체|설득|돌보|돌본|맡았"
)
# Manner of life ("야근하면서 살기는 싫어요", "이렇게 살고 싶지 않아서 진로를 바꾸려고요").
_IDIOMS = re.compile(
    # Intensifiers, idioms and things that "die" (servers, batteries, game characters).
    r"죽겠|죽을만큼|죽을것같|죽을맛|죽는줄|죽기살기|죽도록|죽을힘|죽다살|죽어도(?!싸)|죽었다(?:깨|생각|싶)"
    r"|죽을쑤|죽쑤|죽이되든|죽이(?:는|다|네|여|더|었|인|죽)|죽여(?:줘|요|주|준)"
    r"|(?:서버|배터리|계좌|게임|캐릭터|노트북|폰|핸드폰|주식|코인|컴퓨터|화분)\w{0,6}?죽"
    r"|자살(?:골|패스|플레이|공격|특공)"
)
_MANNER = re.compile(
    r"(?:면서|하며|으로|처럼|이렇게|그렇게|이런식으로|보고|혼자|만)"
    r"(?:살기(?:가|는)?싫|살고싶지(?:가|도|는)?않|살고싶진않)"
    r"|(?:삶|생활|인생)(?:은|을)\w{0,2}?그만살"
)

_EN = re.compile(
    r"\bkill(?:ing)?\s+my\s*self\b|\bkms\b|\bsuicid(?:e|al)\b|\bunaliv"
    r"|\bend(?:ing)?\s+(?:my|it)\s+(?:life|all)\b|\bend\s+it\s+all\b"
    r"|\b(?:want|wanna|going)\s+(?:to\s+)?die\b|\bwish\s+i\s+(?:was|were)\s+dead\b"
    r"|\bbetter\s+off\s+(?:dead|without\s+me)\b|\bself[-\s]?harm"
    r"|\b(?:hurt|hurting|cut|cutting)\s+my\s*self\b"
    r"|\b(?:don'?t|do\s+not)\s+want\s+to\s+(?:live|be\s+alive|exist|be\s+here)\b"
    r"|\bno\s+(?:reason|point)\s+(?:to|in|of)\s+liv(?:e|ing)\b|\bpoint\s+(?:of|in)\s+living\b"
    r"|\bjump\s+off\s+(?:the|a)?\s*(?:bridge|roof|building)\b|\boverdos"
    r"|\bdisappear\s+forever\b|\bwant\s+to\s+disappear\b(?!\s+from)|\bnever\s+wake\s+up\b"
    r"|(?<!잠깐 )(?<!잠시 )\b(?:die|disappear|suicid\w*)\s*"
    r"(?:하고\s*싶|하고파|할래|해요|했|느낌|하는\s*상태)",
    re.I,
)


JAMO_SLANG = re.compile(r"ㅈㅅ\s*(?=하|할|마렵|각|시도|충동)")


def compact(text: str) -> str:
    """Hangul syllables only, typos mended: the form the Korean families are matched on."""
    # Before NFKC, which turns compatibility jamo (ㅈ) into conjoining ones.
    text = unicodedata.normalize("NFKC", JAMO_SLANG.sub("자살", text))
    squeezed = _NOT_SYLLABLE.sub("", text)
    for pattern, repl in TYPO_RES:
        squeezed = pattern.sub(repl, squeezed)
    return squeezed


def _masked(squeezed: str) -> str:
    """The compact text with look-alike spans (prevention work, manner of life) masked out."""
    if _WORK_CONTEXT.search(squeezed):
        squeezed = _PREVENTION.sub("□", squeezed)
    return _MANNER.sub("□", _IDIOMS.sub("□", squeezed))


def crisis_family(text: str) -> str | None:
    """The rule family that finds crisis language in ``text``, or None.

    Exclusions are applied sentence by sentence, so that a work context in one sentence ("자살
    예방 센터에서 일했어요") never hides a risk stated in the next; the families then run on the
    whole message, since a wish may span two sentences ("떠나고 싶어요. 영원히요").
    """
    if not text:
        return None
    if _EN.search(unicodedata.normalize("NFKC", text)):
        return "english"
    pieces = re.split(r"[.!?\n]+(?=\s)|\n+", text)
    squeezed = "".join(_masked(compact(piece)) for piece in pieces)
    for name, pattern in _KO.items():
        if pattern.search(squeezed):
            return name
    return None


def is_crisis(text: str) -> bool:
    """True when the text contains self-harm or suicide language (Korean or English)."""
    return crisis_family(text) is not None
