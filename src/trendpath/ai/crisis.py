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
    (r"(?:뒤|디|뒈)질(?=래|까)", "죽을"),
    # Spelled as heard: "주거버리고싶다", "죽어벌이고", "주글래", "쥬금 마렵다".
    (r"주거(?=버리|벌이|버릴|버렸)", "죽어"),
    (r"죽어벌이", "죽어버리"),
    (r"주글(?=래|까|거)", "죽을"),
    (r"(?:쥬|주)금(?=마렵|하고|각)", "죽음"),
    (r"(?:뒤|디|뒈)지는게", "죽는게"),
    (r"(?:뒤|디|뒈)져버리", "죽어버리"),
    (r"(?:뒤|디|뒈)지(?:뿌|삐|뿔|버리)(?=고|까|라)", "죽어버리"),
    (r"쥭", "죽"),
    (r"주꼬(?=십|싶|시퍼|시포|시프)", "죽고"),
    (r"자(?:샇|샬)", "자살"),
    (r"(?:뒤|디|뒈)지구(?=싶|십|시퍼|시포|파)", "죽고"),
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
    r"|죽음마렵|죽을까(?!봐(?:걱정|무섭|무서|겁))|죽었으면(?:좋|해|하)"
    r"|죽는게(?:나|낫)|죽는것말고|죽음(?:만이|밖에)|죽어도싸|죽어야(?:해|돼|겠|마땅)"
    r"|(?:콱|그냥|걍|확|차라리)죽|(?:같이|다같이)죽자|(?:내|제)가죽(?:으면|어도)"
    r"|(?:죽는|죽을|떨어지는|뛰어내리는|사라지는)(?:상상|생각|방법|궁리)|(?:안아프게|편하게|쉽게|조용히)죽|죽을수있(?:을까|나|겠)"
    # Dialect 디지다 (죽다): "고마 확 디지뿔라", "디질란다" (not 디지털).
    r"|(?:콱|확|고마|그냥|걍)디지(?!털)|디지(?:고싶|고파|뿔|삘|고만)|디질(?:래|란다|까)|디져버리",
    # 자살 (not 자살골), 극단적 선택 with intent, ending one's life.
    "suicide": r"자살(?!골)|극단적?(?:인)?선택(?:을)?(?:하고싶|할까|하려|해버|하고말|할래|했)"
    r"|스스로(?:목숨|생|삶)|목숨(?:을)?(?:끊|버리)|(?:(?<!인)생(?:을|이)|삶(?:을|이)?|"
    r"(?<!야근)(?<!직장)(?<!회사)(?<!알바)(?<!취준)(?<!수험)(?<!백수)인생(?:을|이)?)\w{0,10}?"
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
    r"|(?:한강(?!뷰)|다리|옥상|베란다|창문)\w{0,4}?(?:뛰어|가보고싶|가고싶|가려|갈래|올라갈까|올라가고싶)|한강물온도"
    r"|(?:다리|옥상|베란다)\w{0,3}?난간|(?:차에|트럭에|버스에|차에라도)\w{0,3}?(?:치였으면|치이고싶|치이면좋)"
    r"|가스\w{0,3}?(?:틀|켜|새게)\w{0,4}?(?:놓을까|놓고잘|고싶|려)|밤을?넘기(?:기|지)\w{0,3}?(?:힘들|어렵|못)"
    r"|보험금\w{0,4}?남기|남길(?:편지|말|유언)"
    r"|(?:수면제|약(?!국)|농약|번개탄|밧줄|청산가리)\w{0,6}?"
    r"(?:모아|모으|모았|샀|사놨|사왔|사다|구했|구하|준비|한꺼번에|다먹|마시|피우|알아보)"
    r"|목(?:을)?(?:매고싶|매고파|맬|매려|매면|매는법|매는방법|매달고싶|매달까|매달려|매달아)"
    r"|(?:차에|차도로|열차에|지하철에|선로에)\w{0,3}?뛰어들"
    r"|(?:자살|극단|떨어질|뛰어내릴)\w{0,2}?방법",
    # Self-harm.
    "self_harm": r"(?<!혼)자해|(?:손목|팔|허벅지|다리|몸)\w{0,3}?(?:긋|그었|그어|그을)"
    r"|(?:칼|커터|면도날)\w{0,3}?로\w{0,6}?(?:긋|그었|그어)"
    r"|(?:나|저|자신|스스로|몸)(?:를|을)?\w{0,2}?(?:아프게|해치|해칠|해쳐|해쳤|다치게|벌주|벌줘)"
    r"|(?:몸|팔|손목|다리|허벅지)에\w{0,4}?상처(?:를)?(?:내|냈)",
    # Asking for help against one's own harm: fear of what one might do, not being safe alone,
    # thoughts that will not stop ("제가 무슨 짓을 할지 몰라서 무섭습니다").
    "help_seeking": r"짓(?:을)?(?:할|저지를)(?:지|까|것같|거같)\w{0,6}?"
    r"(?:무섭|무서(?!웠)|겁이?나|두렵|두려워)"
    r"|무슨일(?:을)?저지를(?:지|까|것같|거같)|혼자있으면안될것같"
    r"|(?:나쁜|위험한)생각(?:이|을)?\w{0,3}?(?:멈추질|멈추지|안멈|떠나질|떠나지)"
    r"|(?:자꾸|계속)(?:나쁜|위험한|이상한)생각(?:이|을)?(?:들|나|해)"
    r"|(?:오늘밤|이밤)(?:을)?(?:버틸|넘길)자신(?:이)?없",
    # Farewells and notes.
    "farewell": r"(?:내|제|나의|저의)장례식|유서(?!(?:가|는|도|를)?(?:깊|있는|자랑))"
    r"|마지막(?:인사|말|메시지)?(?:이|가)?(?:될|일)것같"
    r"|고마웠\w{0,6}?안녕|마지막\w{0,10}?말(?:을)?남기|잘지내\w{0,6}?(?:이만|먼저)(?:갈게|간다|가요|떠날)"
    r"|(?:건강하세요|잘지내세요)\w{0,6}?(?:이만|먼저)(?:떠나|떠날|가겠|갈게)"
    r"|물건(?:들)?\w{0,8}?(?:다|모두)?나눠(?:줬|주)|마지막으로\w{0,6}?(?:얼굴|목소리)\w{0,4}?(?:보고싶|듣고싶)",
}
# Meaning frames added with the second writer's files (dev3, dev4): a self-directed concept (a
# past attempt, a body part and a harming act, a means and a step towards it, a high place and
# being there, a death or illness wished for, a farewell act) rather than a phrase. Each
# alternation is backed by several dev phrases in different words.
_BODY = (
    r"(?:손목|팔|팔뚝|팔안쪽|손등|손바닥|손가락|손|허벅지"
    r"|다리|발목|두피|머리|얼굴|혀|등|배|피부|몸)"
)
_FRAMES: dict[str, str] = {
    # "두 번 시도했어요. 세 번째는 제대로", "약 먹고 응급실", "목을 맸다가".
    "attempt": r"(?<![을를])(?:번|전에|예전에|작년에|지난번에|지난주에|그때|한번)"
    r"시도(?:했|해봤|한적)"
    r"(?=.*(?:이번|세번째|다음엔|다음번|제대로|확실|깨어났|살아났|실패|발견|응급실|그때))"
    r"|(?:약|수면제)(?:을|를)?(?:먹고|삼키|삼켰)\w{0,10}?(?:응급실|실려|위세척|깨어)|위세척"
    r"|목(?:을)?(?:맸|매었|매달았|맨적)|(?:한강|옥상|다리)\w{0,4}?갔다가\w{0,6}?(?:경찰|구조|데려)",
    # "담뱃불로 손등 지졌어", "손목 그은 자국", "손톱으로 팔을 피 날 때까지 긁어요".
    "harm_act": _BODY
    + r"(?:을|를|에|이|도)?\w{0,8}?(?:긋|그었|그어|그은|그음|지졌|지짐|지져|지지는"
    r"|찔러|찔렀|찌르)|(?:담뱃불|라이터|커터칼|칼날|면도날)\w{0,10}?(?:지졌|지짐|지져|긋|그었|그어|그음"
    r"|자국|손목|팔|손등|허벅지)|담배빵"
    r"|"
    + _BODY
    + r"\w{0,10}?(?:긁|때리|때렸|때려|박|물어|깨물|꼬집|뜯)\w{0,8}?(?:피가|피날|피나|멍|금이)"
    r"|(?:일부러|세게)\w{0,6}?" + _BODY + r"\w{0,6}?(?:때|박|쳐|쳤|물|꼬집|찔|쥐|부었|데)"
    r"|피날때까지|(?:손목|팔)\w{0,4}?(?:흉터|자국)",
    # Means and the steps towards them: "번개탄 피울까", "타이레놀 모았어", "치사량".
    "means": r"번개탄(?!고기|구이|불고기|집|숯불)|연탄(?:을)?피|치사량"
    r"|(?:농약|제초제|청산가리)\w{0,6}?(?:마시|먹|살|사|구|한병)"
    r"|(?:수면제|수면유도제|진통제|타이레놀|약(?!간|속|국|점|하))\w{0,8}?"
    r"(?:모았|모아|모으|쌓아|한꺼번에|몇통|세통)"
    r"|(?<!캠핑용)(?<!등산용)(?:밧줄|로프)\w{0,6}?(?:샀|사|주문|걸)|줄(?:을)?걸만한"
    r"|(?:수심|수온|고통없이|안아프게|덜아프게|덜아픈|(?:다리|건물|아파트)\w{0,3}?높이)\w{0,8}?"
    r"(?:검색|찾아|알아보|계산|물어)|몇층(?:이면|에서)\w{0,6}?(?:확실|즉사|죽|떨어)",
    # A high place and being there: "지금 마포대교 위에 서 있어요", "난간을 잡고 서 있다".
    "high_place": r"(?:대교|다리위|다리난간|다리에서|다리중간|옥상|난간|선로|철길|교각)(?!뷰)"
    r"\w{0,8}?(?:서있|와있|한참|내려다|넘어가|매달|들이받|문이열리|비밀번호|잠기는지|잠겨있는지)"
    r"|(?:창문|베란다|창밖)\w{0,8}?(?:내려다|넘어가|매달|밑에계속|몸을던)",
    # A death, illness or accident wished for: "큰 병 걸려서 빨리 죽었으면", "암 나왔으면".
    "passive": r"죽었으면(?!어|큰|어떡|어쩌|어떻)|(?:이대로|조용히|자다가)\w{0,4}?갔으면"
    r"|(?:병|암|사고|심장마비|벼락|지진)\w{0,3}?(?:걸려|걸렸|걸리|나|났|나왔|와|왔|맞|생겨|생기)\w{0,6}?"
    r"(?:었으면|았으면|으면좋|으면해|으면싶|길빌|기를|길바)"
    r"|(?:심장이|숨이)\w{0,4}?(?:멈췄으면|멎었으면|멈추길|멎길|멈춰버렸으면)",
    # Farewell acts: "저 죽고 나서 흔적 안 남기려고", "이제 저한테는 필요 없어서요".
    "farewell_act": r"(?:제가|내가|저|나)(?:가)?(?:죽고|죽은|떠나고|떠난|없어지고|없어진)"
    r"(?:나서|뒤|후|다음)"
    r"|흔적(?:을)?(?:안|남기기싫|없애|지우)|작별편지|마지막(?:편지|게시물|연락)"
    r"|(?:줬|주었|나눠|넘겼|넘겨|기부|보냈|돌려)\w{0,14}?(?:이제|저한테|저한텐|나한테|나한텐)\w{0,4}?필요(?:가)?없",
}
# Added with the ninth and tenth writers' files (dev13, dev14), each checked against every dev
# file, the ordinary answers and written look-alikes ("면접 날짜 정했어요", "커터칼 찾고 있어요
# 택배 뜯게", "게임 캐릭터 리롤", "감기 안 나았으면 ㅋㅋ"): a decision to die, checking that a high
# window or a roof opens, means kept for oneself, an accident or illness wished for, ending one's
# life in software words (언인스톨, 로그아웃, 강종), steering into traffic, a relapse, asking
# which way is lethal, and old euphemisms for death (흙으로 돌아가다, 이 세상 소풍 끝내다).
_FRAMES_2: dict[str, str] = {
    "decided": r"(?<!살기로)죽기로(?!살기)\w{0,6}?(?:마음먹|결심|결정|정했)",
    "high_check": r"(?:옥상|복도창|비상계단창|층창|난간)\w{0,8}?"
    r"(?:열려있는지|열리는지|열려있나|끝까지열|활짝열|문이밤에도)",
    "kept_means": r"(?:약|진통제|수면제|알약)\w{0,12}?(?:챙겨|모아|쌓아|숨겨)\w{0,10}?"
    r"(?:저한테|나한테|제게|저에게|나에게)\w{0,2}?(?:쓰|먹)"
    r"|(?:줄|끈|로프|밧줄)\w{0,3}?(?:샀|사왔|주문|구했)\w{0,14}?(?:문고리|천장|옷걸이|철봉)",
    "wished_end": r"(?:비행기|타면서|탈때|타고)\w{0,12}?(?:추락|사고나|사고가나)\w{0,3}?"
    r"(?:했으면|났으면)(?!어|큰|하는걱정)"
    r"|이대로\w{0,4}?(?:안|못)나았으면|차라리\w{0,6}?나쁘게나왔으면"
    r"|(?:병원|치료)\w{0,8}?(?:안가|안받)\w{0,8}?나빠지게(?:두|놔)"
    r"|심장마비\w{0,4}?(?:가면|갔으면|죽으면)",
    "software_end": r"(?:생|인생|삶)\w{0,2}?(?:언인스톨|로그아웃|서렌|강종|강제종료)|자체종료",
    "traffic": r"(?:중앙선|반대차선|가드레일|마주오는)\w{0,10}?"
    r"(?:넘어갈까|넘어가버릴|넘어버릴|넘어버리고|넘을까|꺾어버릴|꺾을까|들이받|박아버릴|돌진)",
    "relapse": r"죽으라는(?:소리|목소리|말)\w{0,3}?(?:들려|들린)"
    r"|다시(?:면도날|커터칼|칼)\w{0,3}?(?:찾|꺼내)"
    r"|시도\w{0,12}?(?:다시|또)\w{0,4}?계획|(?:다리위|한강|옥상)(?:에서)?구조(?:됐|되었|받았)",
    "lethality": r"손목\w{0,6}?(?:가로|세로)\w{0,10}?(?:확실|어느쪽)"
    r"|과다복용\w{0,24}?(?:해보려|제가해|먹어보려)",
    "euphemism": r"흙으로돌아가(?:기로|려|고싶|겠)"
    r"|(?:세상|이승|인생|삶)\w{0,3}?소풍(?:을|도)?\w{0,2}?(?:이만|끝내|마치)|눈감을준비"
    r"|떠(?:나|납|난|날)\w{0,6}?편도|편도로\w{0,2}?떠(?:나|납|난|날)|땅에묻힐때",
}
# Added with the eleventh and twelfth writers' files (dev15, dev16), each checked against every
# dev file, the ordinary answers and look-alikes ("많이 먹으면 바로 살쪄요?", "쇼핑 충동이 너무
# 세요", "폰 배터리가 없는데 충전기가 없어요", "구조조정에서 저도 정리될 차례예요"): wishing
# for an accident or an illness to end it, giving away what one cares for with a sign of
# finality, a date fixed with a wish to be unseen, a one-way trip, timing a train, a rope and a
# beam, asking how fast or how many, staring at the means, punishing oneself by starving or
# purging, hiding one's arms, a bad thought or an urge that returns (with treatment stopped),
# asking to be stopped or saved, not coming back down from a mountain or the sea, the sea taking
# one, deleting oneself, one's own battery left to run out.
# A date set for an event ("면접 날짜", "결혼 날짜") is no plan to die.
_NO_EVENT = "".join(
    f"(?<!{w})"
    for w in ("면접", "결혼", "이사", "시험", "여행", "출국", "입사", "수술", "발표", "휴가",
              "퇴사", "약속", "미팅", "회의", "오픈", "개업", "졸업", "상견례", "마감", "출장")
)  # fmt: skip
_FRAMES_3: dict[str, str] = {
    "wished_accident": r"(?:사고|병|암|큰병|교통사고|산재)(?:라도|이라도)\w{0,6}?"
    r"(?:나면|걸리면|나서|걸려서|났으면|걸렸으면)"
    r"\w{0,24}?(?:좋겠|바라|바랐|싶|편할|갔으면)"
    r"|(?:차가|트럭이|버스가|차라도)\w{0,6}?(?:쳐주|치어주|박아주|덮쳐주)\w{0,3}?(?:면|었으면|길)"
    r"|(?:걸렸|아팠|병|코로나|사고)\w{0,10}?(?:그대로|자연스럽게)\w{0,3}?(?:갔으면|가버렸으면|죽었으면)"
    r"(?:좋았을걸|좋겠|싶|해|하는)"
    r"|(?:뒤집어져|뒤집혀|추락해|무너져)서?\w{0,3}?(?:가버렸으면|갔으면|죽었으면)"
    r"|(?:내가|제가)탄\w{0,4}?(?:비행기|배|버스|차|기차)(?:였으면|이었으면)"
    r"|(?:우리집|내방|나|저)만\w{0,3}?(?:무너지|무너졌|깔리)\w{0,2}?(?:면좋|으면|길)"
    r"|(?:검진|검사)\w{0,8}?(?:나쁘게|안좋게|뭐라도)\w{0,3}?나왔으면|멀쩡하(?:대서|다고해서|다니까)\w{0,4}?(?:실망|아쉽)"
    r"|(?:암|불치병|큰병)이면\w{0,3}?차라리|(?:풍랑|파도|눈사태)\w{0,6}?(?:안|못)돌아(?:왔으면|오길|오면)"
    r"|차가\w{0,3}?오든\w{0,3}?말든|(?:신호|빨간불)\w{0,4}?안보고\w{0,3}?건너",
    "giveaway": r"(?:고양이|강아지|반려견|반려묘|햄스터|앵무새)\w{0,10}?"
    r"(?:보냈|맡기고|맡겼|맡아줄|넘겼)"
    r"\w{0,30}?(?:이제\w{0,4}?(?:챙길|돌볼|미련|필요없|떠나|가면|없네)|이후엔|못돌보|챙길게없|미련|앞으로잘부탁)"
    r"|(?:물건|짐|옷|책|노트북|계정|폰)\w{0,12}?(?:정리|나눠|넘겨|줬|버렸|초기화|기부)\w{0,24}?"
    r"(?:날짜(?:도|는)?정했|미련(?:이|은|도)?없|정리끝|다된것같|아무것도없|챙길게없)"
    r"|(?:이제|내일부터|앞으로|미리|그동안|마지막)\w{0,20}?찾지(?:마세요|마시|말아|마)"
    r"|(?:이제|앞으로|다시는)\w{0,4}?(?:안들어올|못들어올|안올|못올)\w{0,10}?(?:고마웠|잘지내)"
    r"|고마웠\w{0,20}?(?:이제|다시는)\w{0,4}?(?:안들어|못들어|안올|못올)",
    "date_set": _NO_EVENT + r"(?:날짜|날로|날을|시간|디데이)(?:는|도|를|을|로)?\w{0,8}?"
    r"(?:정했|잡았|정해놨|정해뒀)\w{0,20}?(?:아무도\w{0,4}?(?:찾지|없을)|조용할|꺼져)"
    r"|(?:정리|나눠)\w{0,12}?끝났\w{0,4}?날짜(?:도|는)?정했",
    "method_2": r"돌아오는\w{0,2}?(?:표|차|기차|배|버스)(?:는|를|도)?\w{0,2}?"
    r"(?:안|못)(?:끊|샀|사|예매)"
    r"|(?:열차|기차|전철|지하철|화물차)\w{0,4}?(?:지나가는|오는|통과하는|다니는)\w{0,2}?시간\w{0,6}?"
    r"(?:체크|확인|알아|적어|봐뒀|외워)\w{0,24}?(?:건널목|선로|철길|철로)"
    r"|(?:걸|매달|묶)\w{0,2}?(?:만한|수있는)\w{0,4}?(?:줄|끈|로프|밧줄)"
    r"|(?:많이|한꺼번에|왕창|몽땅)\w{0,2}?(?:먹으면|맞으면|삼키면|마시면)\w{0,3}?(?:바로)?(?:죽|가요|가나|갈까|즉사|안깨|못깨|깨어나지)"
    r"|(?:들어가면|빠지면|뛰어들면|떨어지면)\w{0,2}?몇(?:분|초|층)(?:이면|만에|에)\w{0,4}?(?:정신|의식|숨|죽|끝)"
    r"|(?:제초제|농약|약병|수면제|번개탄|밧줄)\w{0,6}?(?:자꾸|계속|자주)?\w{0,2}?(?:쳐다보|바라보|만지작|눈이가|손이가)"
    r"|(?:약품|약|독극물|약물)\w{0,20}?(?:제일|가장)(?:빠른|확실한|편한)",
    "punish": r"(?:벌로|벌받|벌주|벌을주)\w{0,10}?(?:굶|토하|토해|때리|때려|긋|그어|할퀴|안먹)"
    r"|(?:굶|토하|토해|때리|안먹)\w{0,12}?(?:벌받|벌로|벌주)|일부러\w{0,3}?토하|토하고를일부러"
    r"|긴팔\w{0,20}?(?:팔|손목)(?:을)?\w{0,2}?(?:보여주면|보이면|걷으면)",
    "urge": r"(?:안좋은|나쁜|몹쓸|위험한)생각(?:이|을)?\w{0,8}?(?:구체적|계속들|자꾸들)|몹쓸생각"
    r"|그충동(?:이|은)?\w{0,4}?(?:또|다시)(?!안|않)|(?:또|다시)그충동|충동\w{0,8}?(?:말려줬|말려주|참을수없|못참겠)"
    r"|(?:약|충동|오늘밤|무슨짓|위험)\w{0,20}?(?:누가|누군가)\w{0,3}?(?:나|저|날|절)?좀?말려(?:줬으면|주세요|줘)"
    r"|(?:누가|누군가)\w{0,3}?(?:나|저|날|절)?좀?말려(?:줬으면|주세요|줘)\w{0,12}?(?:오늘밤|무슨짓|위험|충동)"
    r"|(?:저|나|날|절)(?:좀)?살려(?:주세요|줘|주실)\w{0,12}?위험"
    r"|혼자있으면\w{0,4}?(?:무슨짓|뭔짓|무슨일)|무슨짓(?:을)?(?:할|저지를)(?:것같|거같|까봐)"
    r"|(?:항우울제|정신과|폐쇄병동|응급실|퇴원|상담)\w{0,40}?(?:그생각|그충동|충동)(?:이|은)?\w{0,3}?(?:다시|또)(?!안|않)"
    r"|(?:항우울제|정신과|폐쇄병동|응급실|퇴원|상담)\w{0,16}?(?:끊|그만|중단)\w{0,16}?계획(?:을)?세우",
    "euphemism_2": r"(?:다시는|다신|영영)\w{0,2}?(?:안|못)(?:내려오|돌아오|돌아가)"
    r"(?:는곳|는데|고싶|려고)"
    r"|(?:산|바다|물)\w{0,8}?(?:안|못)(?:내려오|돌아오|나오)(?:고싶(?!을정도|을만큼)|고파|려고|는곳)"
    r"|(?:바다|강|물|파도)(?:가|이)\w{0,3}?(?:데려가|데려갔|삼켜)\w{0,3}?(?:줬으면|주면|주길|버렸으면)"
    r"|(?:바다|강|물|한강|다리|선로)(?:에|로)\w{0,2}?몸(?:을)?\w{0,2}?"
    r"던(?:지고싶|지고파|질까|질래|지려|져버릴|져불|졌으면)"
    r"|(?:오늘|오늘밤|내일|이번주)\w{0,3}?실행할(?:거|게|래)\w{0,16}?(?:안흔들|흔들리지않|후회없|되돌리지)",
    "self_delete": r"자삭\w{0,8}?(?:나를|저를|날|절|나자신)|(?:나를|저를|날|절)\w{0,3}?자삭"
    r"|(?:나|저)라는\w{0,4}?(?:파일|계정|데이터)\w{0,6}?(?:삭제|지우)"
    r"|(?:저|나)도\w{0,3}?(?:폐기|처분)(?:처리)?될(?:때|차례)"
    r"|(?:인생|내|제|나의)배터리|이제\w{0,2}?충전(?:기)?(?:를|도)?\w{0,2}?안(?:꽂|하)(?:으려|려|을래|을거)"
    r"|꺼져버렸으면|꺼져버리고싶|마지막(?:페이지|장)\w{0,3}?찢"
    r"|(?:내려|내리)\w{0,3}?(?:고싶|버리고싶)\w{0,8}?(?:다시는|다신)\w{0,3}?(?:못|안)(?:타|올라)",
}
# Added with the thirteenth and fourteenth writers' files (dev17, dev18), each checked against
# every dev file, the ordinary answers and look-alikes ("별이 되고 싶어요, 무대 위의", "선을 다시
# 긋고 싶어요", "집 살 생각은 없어요", "벽에 머리 박고 싶을 만큼 답답해요", "코드 그냥 뒀으면
# 좋았을 텐데", "휴가 떠날 준비"): no answer but the extreme choice, going to become a star,
# parting from the world, going out like a candle, closing oneself like a window for good,
# staring at a cord, having put things in order to leave, cutting again or hiding the wounds,
# one's breathing a burden to others, sinking never to surface, "after I'm gone" with thanks or
# apologies, waves that would overturn the boat, hitting one's head against a wall, hurting
# oneself on purpose, regret at being rescued, fear of what one might do, not trusting oneself,
# no thought of living on, walking into the sea not to come out; and "I'm serious" after a
# risk word, which a laugh or "드립" had seemed to soften.
_SERIOUS = (
    r"(?:진심이|진심임|진심입|진심으로|진짜야|진짜임|진짜다|농담아니|농담아님|농담아닙|장난아니"
    r"|장난아님|드립아니|드립이아니|웃기려고하는말아|웃긴기아이|웃긴거아니|웃자고하는말아)"
)
_FRAMES_4: dict[str, str] = {
    "no_way_out": r"극단적?(?:인)?선택(?:말고는|말곤|밖에|뿐)"
    r"|(?:극단적?(?:인)?선택|자살|죽고싶|죽어버리|죽을래)\w{0,40}?" + _SERIOUS,
    "euphemism_3": r"별(?:이)?되러(?:가|갈)"
    r"|(?:세상|이세상|이승)(?:이랑|과|와|하고)?작별(?!\w{0,16}?(?:살고싶|살래|살거|살려고))"
    r"|(?:제가|내가|나도|저도|이젠제가|이제제가|이제내가)꺼지(?:는일|기만|면되|는것)"
    r"|(?:나|저)라는\w{0,4}?(?:창|프로그램|앱|게임)\w{0,6}?(?:닫|끄|꺼|종료|삭제)"
    r"|가라앉고(?:싶|파)\w{0,12}?(?:다시는|다신|영영)\w{0,2}?(?:안|못)떠오르"
    r"|(?:다시는|다신|영영)\w{0,2}?(?:안|못)(?:떠오르|깨어나|눈뜨)게"
    r"|(?:이제|더는|더이상)살생각(?:이|은)?(?:없|어수|어싱|읎)"
    r"|(?:바다|바당|강|물|저수지)\w{0,3}?(?:들어강|들어가|들어가서|들어가고)\w{0,3}?"
    r"(?:나오지말|안나오|다시안나)",
    "method_3": r"(?:끈|밧줄|로프|넥타이|전깃줄)\w{0,6}?(?:보면|볼때마다)"
    r"\w{0,8}?(?:그걸로|저걸로|그거로)"
    r"|" + _NO_EVENT + r"떠날정리|(?:내|제가|내가)가고나면\w{0,30}?(?:미안|고맙|전해|부탁|잘지내)"
    r"|(?:파도|바람|태풍|풍랑)\w{0,6}?(?:엎어|뒤집어|덮쳐|삼켜)\w{0,2}?(?:버렸으면|줬으면|주면)",
    "self_harm_2": r"(?<!선)(?<!선을)(?<!줄)(?<!줄을)(?:다시|또)긋(?:기|고|는|게)|(?<!선)긋기시작"
    r"|(?:상처|흉터|자국)\w{0,3}?(?:숨기|가리|감추)\w{0,16}?(?:팔토시|긴팔|토시|밴드|반창고)"
    r"|머리(?:를|로)?\w{0,3}?(?:벽|바닥|책상)(?:에|을)?\w{0,2}?찧"
    r"|일부러\w{0,4}?(?:다치게|상처내|멍들)(?!\w{0,8}?(?:건아니|려던|거아니|게아니))|(?:팔|손목|몸|허벅지)\w{0,3}?(?:꼬집|할퀴)\w{0,10}?(?:다치|상처|멍)",
    "indirect_2": r"(?:숨쉬는|살아있는|존재하는|태어난|숨쉬고있는)(?:것|거|게)?"
    r"(?:자체가|자체로|만으로도?)\w{0,4}?"
    r"(?:민폐|죄|짐)|존재(?:자체)?가민폐"
    r"|(?:건져|구해|살려)(?:줬|주셨|냈)\w{0,24}?그냥(?:뒀|놔뒀|내버려뒀|두지)\w{0,4}?(?:좋았|나았|편했|말지)"
    r"|(?:일을|큰일을|사고를|나쁜짓을)저지를까봐"
    r"|(?:제가|내가)(?:저를|나를|제자신을|나자신을|저자신을)믿을수(?:가)?없\w{0,20}?"
    r"(?:입원|정신과|위험|충동)",
}
_KO_FAMILIES.update(_FRAMES)
_KO_FAMILIES.update(_FRAMES_2)
_KO_FAMILIES.update(_FRAMES_3)
_KO_FAMILIES.update(_FRAMES_4)
_KO = {name: re.compile(p) for name, p in _KO_FAMILIES.items()}

# A risk word used about work or prevention ("자살 예방 센터에서 일하고 싶어요").
_PREVENTION = re.compile(
    r"(?:(?:자살|자해|투신|극단적?선택)(?:이나|나|및|와|과|랑)?)+\w{0,2}?"
    r"(?:예방|방지|위기|보도|률|통계|관련|환자|시도자|유가족|생존자|학생|청소년|내담자|위험평가|대응교육)"
)
_WORK_CONTEXT = re.compile(
    r"센터|캠페인|상담사|교육|자료|연구|기관|정책|봉사|홍보|업무|공모전|시설|설계|기자|가이드"
    r"|일하|일을|일해|일했|근무|병원|환자|구조|유가족|모임|단체|설득|돌보|돌본|맡았"
)
# Manner of life ("야근하면서 살기는 싫어요", "이렇게 살고 싶지 않아서 진로를 바꾸려고요").
_IDIOMS = re.compile(
    # Intensifiers, idioms and things that "die" (servers, batteries, game characters).
    r"죽겠|죽을만큼|죽을것같|죽을맛|죽는줄|죽기살기|죽도록|죽을힘|죽다살|죽어도(?!싸)|죽었다(?:깨|생각|싶)"
    r"|죽을지경|죽고싶다는(?:건|게|말은)아니|살고싶지않을정도(?:는|까지는|까진)?아니|죽을쑤|죽쑤|죽이되든|죽이(?:는|다|네|여|더|었|인|죽)|죽여(?:줘|요|주|준)"
    r"|(?:서버|배터리|계좌|게임|캐릭터|노트북|폰|핸드폰|주식|코인|컴퓨터|화분)\w{0,6}?죽"
    r"|자살(?:골|패스|플레이|공격|특공|돌격)"
    # A denial right after the words: "죽고 싶은 건 아니고", "그만 살고 싶단 게 아니라", "죽을
    # 생각은 없고", "자해나 그런 건 절대 아니에요" (a later sentence still counts on its own).
    r"|(?:죽고싶|살기싫|살고싶지않|그만살고싶|사라지고싶|끝내고싶|자해|극단적선택|죽을)"
    r"\w{0,4}?(?:건|게|거|단게|다는게|단건|다는건|단말|다는말|생각은|생각도|그런건)\w{0,6}?(?:아니|없)"
    # Said to someone else, or quoted: "니 죽을래?", "뒤질래? 하고 친구가…".
    r"|(?:니|너|넌|너희)\w{0,2}?(?:죽|뒤지|디지)(?:을|질)래|(?:죽을|뒤질|디질)래(?:하고|카는|라고|라며|그러)"
    # Embarrassment put as death: "부끄러워 죽고 싶었어요".
    r"|(?:부끄러|창피|민망|쪽팔|웃겨|귀여|배고|졸려)\w{0,3}?죽(?:고싶|겠|을)"
    r"|농약(?:판매|살포|방|상|관리)"
    # "죽을 때까지 싸웠다는데": until death, of fighting or working
    r"|죽을때까지(?:싸우|싸웠|싸운|일하|일해|일했|공부|달리|버티|해야|일만)"
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
    r"|\bno\s+(?:reason|point)\s+(?:to|in)\s+(?:keep(?:ing)?\s+going|go(?:ing)?\s+on|stay(?:ing)?\s+alive)\b"
    r"|\bjump\s+off\s+(?:the|a)?\s*(?:bridge|roof|building)\b|\boverdos"
    r"|\bdisappear\s+forever\b|\bwant\s+to\s+disappear\b(?!\s+from)|\bnever\s+wake\s+up\b"
    r"|(?<!잠깐 )(?<!잠시 )\b(?:die|disappear|suicid\w*)\s*"
    r"(?:하고\s*싶|하고파|할래|해요|했|느낌|하는\s*상태)",
    re.I,
)


# English mentions: prevention work, statistics, news and fiction ("I volunteer for a suicide
# prevention hotline"), unless the writer speaks of themselves.
_EN_MENTION = re.compile(
    r"\b(?:prevention|hotline|awareness|statistic|rates?|research|documentary|novel|movie|film)\b",
    re.I,
)
_EN_OWN = re.compile(r"\b(?:myself|i\s+(?:want|wanna|keep|am|feel|think)|i'm|i'll|i've)\b", re.I)
_EN_MORE = re.compile(
    r"\bgoodbye\s+(?:letter|note)|\bsuicide\s+note|\bwon'?t\s+be\s+(?:around|here)"
    r"|\bnot\s+(?:be\s+)?around\s+(?:next|much\s+longer|anymore)|\btaking\s+all\s+my\s+pills"
    r"|\bpainless\s+ways?\b|\bleast\s+painful\s+way|\bbought\s+a\s+rope|\bburning\s+myself"
    r"|\btired\s+of\s+(?:being\s+alive|living)|\brather\s+be\s+dead|\bdone\s+with\s+life"
    r"|\bnot\s+exist\b|\btried\s+to\s+(?:od|overdose|kill)|\bjukgo\s*sip"
    r"|\b(?:wrote|written|writing|left)\s+my\s+(?:last\s+)?note\b|\ba\s+plan\s+and\s+a\s+date\b"
    r"|\b(?:be\s+over|end)\W+(?:permanently|for\s+good|forever)\b|\bnot\s+the\s+pain,?\s+me\b",
    re.I,
)


def _english(text: str) -> bool:
    """English crisis language, minus mentions of the topic in others' lives or work."""
    if not (_EN.search(text) or _EN_MORE.search(text)):
        return False
    return not (_EN_MENTION.search(text) and not _EN_OWN.search(text))


JAMO_SLANG = re.compile(r"ㅈㅅ\s*(?=하|할|마렵|각|시도|충동|엔딩)")
# Whole phrases typed as initial consonants: ㅈㄱㅅㄷ (죽고싶다), ㅅㄹㅈㄱㅅㄷ (사라지고싶다).
_CHOSEONG = (
    (re.compile(r"ㅅㄹㅈㄱㅅ[ㄷㅇ]"), "사라지고싶다"),
    (re.compile(r"ㅈㄱㅅ[ㄷㅇㅍ]"), "죽고싶다"),
)


def expand_jamo(text: str) -> str:
    """Jamo slang spelled out ("ㅈㅅ할래" → "자살할래", "ㅈㄱㅅㄷ" → "죽고싶다"), text typed as
    separate jamo assembled (:func:`assemble_jamo`), typed-apart syllables folded back
    (:func:`recompose`); before NFKC, which changes the jamo."""
    text = JAMO_SLANG.sub("자살", text)
    for pattern, repl in _CHOSEONG:
        text = pattern.sub(repl, text)
    return recompose(assemble_jamo(text))


_ONSETS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_VOWEL_PAIRS = {
    "ㅗㅏ": "ㅘ",
    "ㅗㅐ": "ㅙ",
    "ㅗㅣ": "ㅚ",
    "ㅜㅓ": "ㅝ",
    "ㅜㅔ": "ㅞ",
    "ㅜㅣ": "ㅟ",
    "ㅡㅣ": "ㅢ",
}
_CODA_PAIRS = {"ㄱㅅ": "ㄳ", "ㄴㅈ": "ㄵ", "ㄴㅎ": "ㄶ", "ㄹㄱ": "ㄺ", "ㄹㅁ": "ㄻ", "ㄹㅂ": "ㄼ",
               "ㄹㅅ": "ㄽ", "ㄹㅌ": "ㄾ", "ㄹㅍ": "ㄿ", "ㄹㅎ": "ㅀ", "ㅂㅅ": "ㅄ"}  # fmt: skip
# A run of compatibility jamo, single spaces allowed between them ("ㅈ ㅏ ㅅ ㅏ ㄹ").
_JAMO_RUN = re.compile(r"[ㄱ-ㅣ](?: ?[ㄱ-ㅣ])*")
# Laughing and crying (ㅋㅠ, ㅎㅜ) are not syllables someone typed apart.
_NOT_ONSET_OF = {"ㅋ": "ㅠㅜㅡ", "ㅎ": "ㅠㅜㅡ"}


def _syllables(jamo: str) -> str:
    """Jamo assembled into syllables where an onset meets a vowel; other jamo stay as they are."""
    out: list[str] = []
    i, n = 0, len(jamo)
    while i < n:
        c = jamo[i]
        if (
            c not in _ONSETS
            or i + 1 >= n
            or jamo[i + 1] not in _VOWELS
            or (jamo[i + 1] in _NOT_ONSET_OF.get(c, ""))
        ):
            out.append(c)
            i += 1
            continue
        vowel, i = jamo[i + 1], i + 2
        if i < n and vowel + jamo[i] in _VOWEL_PAIRS:
            vowel, i = _VOWEL_PAIRS[vowel + jamo[i]], i + 1
        coda = ""
        # A consonant closes the syllable unless a vowel follows it (then it opens the next).
        if i < n and jamo[i] in _FINALS and not (i + 1 < n and jamo[i + 1] in _VOWELS):
            coda, i = jamo[i], i + 1
            pair = coda + jamo[i] if i < n else ""
            if pair in _CODA_PAIRS and not (i + 1 < n and jamo[i + 1] in _VOWELS):
                coda, i = _CODA_PAIRS[pair], i + 1
        index = _ONSETS.index(c) * 588 + _VOWELS.index(vowel) * 28
        out.append(chr(0xAC00 + index + (_FINALS.index(coda) + 1 if coda else 0)))
    return "".join(out)


def assemble_jamo(text: str) -> str:
    """Text typed as separate jamo put together: "ㅈㅜㄱㄱㅗ ㅅㅣㅍㄷㅏ" → "죽고싶다",
    "ㅈ ㅏ ㅅ ㅏ ㄹ" → "자살", "ㅅㅏㄹ고" → "살고". A run with no onset-and-vowel pair ("ㅋㅋ",
    "ㅠㅠ", "ㅇㅇ") is left as it is."""

    def one(match: re.Match[str]) -> str:
        run = match.group()
        if not any(ch in _VOWELS for ch in run):
            return run
        assembled = _syllables(run.replace(" ", ""))
        return run if not any("가" <= ch <= "힣" for ch in assembled) else assembled

    return _JAMO_RUN.sub(one, text)


_FINALS = "ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"
_STRAY_JAMO = re.compile(r"([가-힣])([ㅏ-ㅣ]+)([ㄱ-ㅎ])(?![ㅏ-ㅣ])")


def _fold_jamo(match: re.Match[str]) -> str:
    code = ord(match.group(1)) - 0xAC00
    vowel, final = (code // 28) % 21, code % 28
    typed = {ord(v) - 0x314F for v in match.group(2)}
    if final or typed != {vowel} or match.group(3) not in _FINALS:
        return match.group()
    return chr(0xAC00 + code + _FINALS.index(match.group(3)) + 1)


_STRAY_FINAL = re.compile(r"([가-힣])([ㄱㄷㄹㅁㅂㅅㅈㅊㅌㅍ])(?![ㄱ-ㅣ])")


def _fold_final(match: re.Match[str]) -> str:
    code = ord(match.group(1)) - 0xAC00
    if code % 28:
        return match.group()
    return chr(0xAC00 + code + _FINALS.index(match.group(2)) + 1)


def recompose(text: str) -> str:
    """A syllable typed apart with its vowel repeated ("주ㅜㄱ고싶다") or its final consonant
    typed alone ("자사ㄹ 생각", "주ㄱ고싶어요") is put back together ("죽고싶다", "자살");
    anything else ("좋아ㅠㅠ", "ㅋㅋ", "가자ㄱㄱ", "ㅇㅋ") is left as it is."""
    return _STRAY_FINAL.sub(_fold_final, _STRAY_JAMO.sub(_fold_jamo, text))


def compact(text: str) -> str:
    """Hangul syllables only, typos mended: the form the Korean families are matched on."""
    # Before NFKC, which turns compatibility jamo (ㅈ) into conjoining ones.
    text = unicodedata.normalize("NFKC", expand_jamo(text))
    squeezed = _NOT_SYLLABLE.sub("", text)
    for pattern, repl in TYPO_RES:
        squeezed = pattern.sub(repl, squeezed)
    return squeezed


# Risk words *mentioned* rather than said of oneself: news, statistics, policy, fiction, history,
# and the work of people who help ("뉴스에서 자살률이…", "주인공이 유서를 남기고…", "투신 신고
# 출동이…"). In such a sentence the mentionable nouns are masked unless the writer also speaks of
# their own wish or thoughts; anything else in it (a wish to disappear) still counts.
_MENTION = re.compile(
    r"뉴스|기사|보도|시사|다큐|드라마|영화|웹툰|웹소설|소설|연극|애니|주인공|캐릭터|장면|에피소드"
    r"|시나리오|작가|통계|률|사망자|보고서|논문|연구|정책|예산|국정감사|국회|법안|규제|토론회|취재"
    r"|발표|개정안|고위험군|그래프|정부|의병|독립운동|박물관|교과서|조선|임진왜란|을사(?:조약|늑약|오적)|옥중|(?<!합)격문"
    r"|학예사|사학|예방|내담자|위기개입|실습|연수|매뉴얼|구조대|구급대|소방|출동|수색|훈련|교관"
    r"|협상|면책|약관|언더라이터|심사|동아리|유족|캠페인|봉사"
    r"|게임|(?<!컨트)롤(?!모델|러|링|케|빵|백|업|아웃)|포탑|서폿|한타|노래가사|가사(?:에|를|가|쓰)|작사|노래"
    r"|캠핑용|캠핑가려|캠핑가서|캠핑장|글램핑|차박|바비큐|착화|숯|고기(?:굽|구)|암벽|등반|시차|유통기한"
    r"|점검|기관사|스크린도어|심의|콘티|방탈출|테마|응대"
)
_OWN = re.compile(r"고싶|고파|싶다|싶어|싶은|할래|버릴까|(?:나|저|내|제)도|생각이|충동|마렵")
_MENTIONABLE = re.compile(
    r"자살\w{0,2}|자해|자결|투신|유서|극단적?(?:인)?선택|뛰어내리\w?|번개탄|독약|옥상|난간|한강"
    r"|다리위|다리난간|서있|나눠|수면제|수면유도제|로프|밧줄|농약|손목긋|사라질래"
)
# Someone else's death by suicide ("팀 선배가 자살했는데", "친구가 유서 남기고 떠난 지 1년"):
# grief, unless the writer also speaks of their own wish.
_OTHERS_DEATH = re.compile(
    r"(?:선배|친구|동료|동기|형|누나|오빠|언니|사촌\w?|간호사|선생님|아버지|어머니|엄마|아빠|삼촌|이모"
    r"|고모|지인|후배|동생|배우|가수|연예인|학생|손님|환자|이웃|남편|아내)(?:가|이|께서)\w{0,6}?"
    r"(?:자살(?:했|해서|한|하셨)|극단적?(?:인)?선택(?:을)?(?:했|해서|한|하셨)|유서(?:를)?남기고)"
)
# Leaving for a new life, not for death: "이민 가기 전에 물건은 친구들한테 나눠 줬어요".
_MOVING = re.compile(r"이민|이사|유학|이삿짐|워홀|워킹홀리데이")
_MOVING_SPANS = re.compile(r"나눠|떠나|떠날|정리")
# An afterthought that names a task as what should end: "다 끝내고 싶어요, 이 프로젝트."
_AFTERTHOUGHT = re.compile(
    r"(?:끝내|그만두|그만하|놓)고\s*싶(?:어요?|다)\s*,\s*(?:이|그|저)\s+\S+"
    # A life "over" with a laugh ("폰 액정 깨짐. 인생 끝났다 ㅋㅋㅋ"), a task to finish ("이
    # 프로젝트 다 끝내고 싶다"), words quoted from a song or a story one is writing.
    r"|(?:인생|삶)\s*(?:은|이)?\s*끝났(?:다|네|음|어)\s*[ㅋㅎ]{2,}"
    r"|(?:프로젝트|과제|논문|시험|숙제|작업|공부|학기|마감|보고서)\s*(?:을|를)?\s*(?:다|전부|빨리)\s*끝내"
)
_QUOTED = re.compile(r"[\"“”‘’'「『][^\"“”‘’'「」『』]{2,40}[\"“”‘’'」』]")
_QUOTING = re.compile(r"가사|노래|작사|소설|대사|제목|테마|웹툰|시나리오|구절|과제|자서전|글쓰기")


def _masked(squeezed: str, moving: bool = False, own: bool = True) -> str:
    """The compact text with look-alike spans (mentions, idioms, manner of life) masked out."""
    if _WORK_CONTEXT.search(squeezed):
        squeezed = _PREVENTION.sub("□", squeezed)
    if _MENTION.search(squeezed) and not _OWN.search(squeezed):
        squeezed = _MENTIONABLE.sub("□", squeezed)
    if not own:  # the whole message: "선배가 자살했대요. 나도 그러고 싶어요" is no grief only
        squeezed = _OTHERS_DEATH.sub("□", squeezed)
    if moving:
        squeezed = _MOVING_SPANS.sub("□", squeezed)
    return _MANNER.sub("□", _IDIOMS.sub("□", squeezed))


def crisis_family(text: str) -> str | None:
    """The rule family that finds crisis language in ``text``, or None.

    Exclusions are applied sentence by sentence, so that a work context in one sentence ("자살
    예방 센터에서 일했어요") never hides a risk stated in the next; the families then run on the
    whole message, since a wish may span two sentences ("떠나고 싶어요. 영원히요").
    """
    if not text:
        return None
    if _english(unicodedata.normalize("NFKC", text)):
        return "english"
    text = _AFTERTHOUGHT.sub("□", text)
    if _QUOTING.search(text):
        text = _QUOTED.sub("□", text)  # "노래 가사에 ‘오늘 밤 사라질래’ 같은 구절"
    pieces = re.split(r"[.!?\n]+(?=\s)|\n+", text)
    whole = compact(text)
    moving, own = bool(_MOVING.search(whole)), bool(_OWN.search(whole))
    squeezed = "".join(_masked(compact(piece), moving, own) for piece in pieces)
    for name, pattern in _KO.items():
        if pattern.search(squeezed):
            return name
    return None


def is_crisis(text: str) -> bool:
    """True when the text contains self-harm or suicide language (Korean or English)."""
    return crisis_family(text) is not None
