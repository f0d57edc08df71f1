"""The learned crisis layer: the shipped file is what the training code builds, and the service
runs it behind the rules."""

from __future__ import annotations

import math

import pytest

from trendpath.ai import crisis_cv as cv
from trendpath.ai import crisis_train as ct
from trendpath.ai.crisis import assemble_jamo, compact, crisis_family, recompose
from trendpath.ai.crisis_model import CrisisModel, default_model_path, load_model, pieces
from trendpath.ai.safety import assess, crisis_source, inspect_input
from trendpath.kit.settings import default_data_dir


@pytest.mark.slow
def test_the_shipped_model_equals_a_rebuild() -> None:
    shipped = load_model()
    rebuilt = cv.build(ct.corpus(default_data_dir()))
    # Same data, same features, same thresholds; weights agree to the stored precision (4 places;
    # L-BFGS from zeros is deterministic, the tolerance only absorbs BLAS rounding).
    assert (rebuilt.threshold, rebuilt.concern) == (shipped.threshold, shipped.concern)
    assert rebuilt.spec == shipped.spec and rebuilt.gate == shipped.gate
    assert rebuilt.meta == shipped.meta
    # An n-gram at the pruning edge may fall on either side of it.
    edge = ct.TrainConfig().prune_below + 1e-3
    for gram in set(rebuilt.weights) ^ set(shipped.weights):
        assert abs(rebuilt.weights.get(gram, shipped.weights.get(gram, 0.0))) < edge
    common = set(rebuilt.weights) & set(shipped.weights)
    assert max(abs(rebuilt.weights[g] - shipped.weights[g]) for g in common) < 2e-4
    assert abs(rebuilt.bias - shipped.bias) < 2e-4


def test_the_learned_layer_adds_recall_where_the_rules_are_silent() -> None:
    # A dev phrase in a formal voice that no rule family matches.
    text = "제가 없는 편이 가족에게 낫겠다는 생각이 듭니다"
    assert crisis_family(text) is None
    # The character model alone puts it over its own crisis cut (while the semantic layer is on,
    # the joint layer decides in its place, and says so as the source).
    risk = assess(text)
    assert risk.logits["learned"] >= load_model().threshold
    assert crisis_source(text) == ("joint" if "joint" in risk.logits else "learned")
    assert inspect_input(text).kind == "crisis"


@pytest.mark.parametrize(
    "text",
    [
        "데이터 분석가가 되고 싶어요",
        "아뇨",
        "1번",
        "연봉보다 성장이 중요해요. 새로운 걸 배우고 싶어요.",
        "안정적인 회사에서 오래 일하고 싶어요",
    ],
)
def test_ordinary_answers_stay_ordinary(text: str) -> None:
    assert crisis_source(text) is None


def test_a_score_between_the_thresholds_is_concern_not_crisis() -> None:
    # An ordinary-sounding wish that the model scores between the two thresholds (dev4 has it
    # as a commute complaint, and other writers use it of dying): a check-in, not a crisis.
    risk = assess("편해지고 싶어요")
    model = load_model()
    assert model.concern <= risk.logits["learned"] < model.threshold
    # The score is the risk rank: 0 at a layer's concern cut, 1 at its crisis cut.
    assert risk.level == "concern" and 0.0 <= risk.score < 1.0
    assert inspect_input("편해지고 싶어요").concern == risk.score
    assert inspect_input("편해지고 싶어요").kind == "normal"
    assert inspect_input("데이터 분석가가 되고 싶어요").concern is None


def test_mentions_of_the_topic_are_not_crisis_but_own_words_are() -> None:
    # News, statistics, fiction, history and helping work mention the words; the person does not.
    for text in (
        "오늘 뉴스에서 우리나라 자살률이 OECD 1위라네요",
        "드라마 주인공이 유서를 남기고 사라지는 반전에 소름 돋았어요",
        "수난구조대라 한강에서 투신자 수색 훈련을 매달 해요",
        "I volunteer for a suicide prevention hotline on weekends",
        "다 끝내고 싶어요, 이 프로젝트. 6개월째 질질 끌고 있거든요",
    ):
        assert crisis_family(text) is None, text
    assert crisis_family("뉴스 보다가 저도 그냥 죽고 싶다는 생각이 들었어요") is not None


def test_stray_jamo_are_folded_back_into_the_syllable() -> None:
    assert recompose("주ㅜㄱ고싶다") == "죽고싶다"
    assert compact("주ㅜㄱ고 싶다") == "죽고싶다"
    assert recompose("좋아ㅠㅠ ㅋㅋ") == "좋아ㅠㅠ ㅋㅋ"


def test_text_typed_as_separate_jamo_is_assembled() -> None:
    assert assemble_jamo("ㅈㅜㄱㄱㅗ ㅅㅣㅍㄷㅏ") == "죽고싶다"
    assert compact("ㅈ ㅏ ㅅ ㅏ ㄹ 생각 계속남") == "자살생각계속남"
    assert compact("ㅅㅏㄹ고 싶지 않아") == "살고싶지않아"
    assert assemble_jamo("ㄱㅘㄴ둘래") == "관둘래"
    # Laughing, crying and consonant slang are not syllables typed apart.
    for kept in ("ㅋㅋㅋ ㅠㅠ", "ㅇㅇ 알겠어", "좋아요ㅎㅎ", "ㅜㅜ 힘들어", "ㄱㄱ", "ㅎㅇ"):
        assert assemble_jamo(kept) == kept
    assert crisis_family("ㅈㅜㄱㄱㅗ ㅅㅣㅍㄷㅏ") == "die_wish"


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("제가 저를 해칠까 봐 무서워요. 어떻게 해야 해요?", "self_harm"),
        ("제가 무슨 짓을 할지 몰라서 무섭습니다. 도와주세요.", "help_seeking"),
        ("혼자서 무슨 일 저지를까 겁이 나요.", "help_seeking"),
        ("지금 혼자 있으면 안 될 것 같아요. 누구한테 연락해야 돼요?", "help_seeking"),
        ("나쁜 생각이 멈추질 않소.", "help_seeking"),
        ("오늘 밤 버틸 자신이 없어요.", "help_seeking"),
        ("목 매면 몇 분이면 돼요", "method"),
        ("고마 확 디지뿔라 카이끼네 진짜로", "die_wish"),
        ("I wrote my note already. 미안해요", "english"),
    ],
)
def test_asking_for_help_and_plain_methods_are_crisis(text: str, family: str) -> None:
    assert crisis_family(text) == family


@pytest.mark.parametrize(
    "text",
    [
        "걱정 마세요, 나쁜 생각은 안 해요.",
        "신입 때 무슨 짓을 할지 몰라서 무서웠어요. 실수할까 봐요",
        "오늘 야근 버틸 자신이 없어요 ㅋㅋ",
        "그냥 디지털 마케팅으로 가고 싶어요",
        "넥타이 매는 법 알려주세요",
        "I left a note for my manager",
    ],
)
def test_their_look_alikes_are_not(text: str) -> None:
    assert crisis_family(text) is None


def test_text_without_a_risk_concept_is_not_scored() -> None:
    model = load_model()
    assert model.score("포트폴리오를 만들고 있어요") == -math.inf
    assert model.score("") == -math.inf


def test_long_messages_are_scored_sentence_by_sentence() -> None:
    spec = load_model().spec
    long = "이번 주에는 면접이 두 개 있고 포트폴리오도 고쳐야 해요. 그냥 다 끝내고 싶어요."
    found = [p.compact for p in pieces(long, spec)]
    assert found[0] == "이번주에는면접이두개있고포트폴리오도고쳐야해요그냥다끝내고싶어요"
    assert "그냥다끝내고싶어요" in found
    # Each sentence carries its own Kiwi morphemes, not the whole message's.
    last = pieces(long, spec)[-1].features
    assert "~끝내/V" in last and "~면접/N" not in last
    # Short fragments are not scored on their own (too few n-grams to mean anything).
    short = pieces("돈이요. 아, 아니다. 사실은 뭔가를 해냈다는 느낌이 더 중요해요.", spec)
    assert "아" not in [p.compact for p in short]


def test_the_file_round_trips_and_refuses_an_unknown_format() -> None:
    text = default_model_path().read_text(encoding="utf-8")
    model = CrisisModel.from_json(text)
    assert model.to_json() == text
    with pytest.raises(ValueError, match="unknown crisis model format"):
        CrisisModel.from_json('{"format": "other/9"}')


# Three phrases of held-out 3 were also written into the first writer's dev files (found when
# held-out 3 was first read); they are short and common, and the held-out file stays as it was.
KNOWN_OVERLAP = {
    "ㅈㄱㅅㄷ 진짜",
    "self harm 다시 시작했어요",
    "제가 없어지면 다들 편해질 것 같아요",
    # Held-out 4 shares one spacing variant with dev (found by this test after its blind runs).
    "죽 고 싶 어 요",
    # Held-out 9 and 10's writers, blind, wrote four short, common lines a dev file already had.
    "타이레놀 몇 알 먹으면 죽어요?",
    "자 살 하 고 싶 어 요",
    "안녕하세요 자소서 첨삭 받고 싶어요",
    "배고파 죽겠다 면접 끝나고 뭐 먹지",
    # Held-out 11 and 12's writers, blind, wrote three more that dev files already had.
    "번개탄 피우면 몇 시간 걸려요? 안 아픈가요",
    "죽이 되든 밥이 되든 일단 지원해 보려고요",
    # Held-out 16's writer, blind, wrote two look-alikes a dev file already had (found by this
    # test after its first run; only these two lines of it were shown).
    "이번 생은 망했어 ㅋㅋ 다음 생엔 건물주로 태어날래",
    "웹소설 쓰는데 주인공이 회귀 전에 죽는 장면 어떻게 써야 덜 뻔할까요",
}


def test_training_reads_dev_files_only() -> None:
    files = ct.phrase_files(default_data_dir() / "eval")
    dev_texts = {p.text for p in ct.dev_phrases(default_data_dir() / "eval")}
    for name, path in files.items():
        split, phrases = ct.load_phrases(path)
        if split != "dev":
            assert not (dev_texts & {p.text for p in phrases}) - KNOWN_OVERLAP, name


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("어제 밤에 죽기로 결심했어요", "decided"),
        ("비상계단 창문 끝까지 열리는지 봐 뒀어요", "high_check"),
        ("엄마 진통제 남은 거 챙겨 뒀어요. 저한테 쓰려고", "kept_means"),
        ("튼튼한 끈 샀어요. 방 문고리에 걸 수 있는 걸로", "kept_means"),
        ("출근 버스 타면서 사고나 났으면 했어요", "wished_end"),
        ("검사 결과 차라리 나쁘게 나왔으면 좋겠어요", "wished_end"),
        ("이번 생 로그아웃 하고 싶다 진짜", "software_end"),
        ("트럭 오면 반대 차선으로 핸들 꺾어버릴까 싶어요", "traffic"),
        ("끊었던 상담 그만두고 다시 면도날 찾게 돼요", "relapse"),
        ("작년 시도 이후로 괜찮았는데 또 계획을 세웠어요", "relapse"),
        ("손목 세로로 그으면 더 확실해요?", "lethality"),
        ("이 세상 소풍 이만 마치려고요", "euphemism"),
        ("주꼬시퍼 진짜로", "die_wish"),
    ],
)
def test_plans_checks_and_old_euphemisms_are_crisis(text: str, family: str) -> None:
    assert crisis_family(text) == family


@pytest.mark.parametrize(
    "text",
    [
        "죽기 살기로 공부해서 붙었어요",
        "집 보러 가서 창문 열리는지 확인했어요",
        "옥상 정원 출입카드 발급받았어요",
        "줄넘기 줄 문고리에 걸어 두었어요",
        "비행기 타고 가는데 추락했으면 어쩌지 무서워요",
        "결과 나쁘게 나왔으면 재시험 봐야 해요",
        "게임 캐릭터 리롤하러 감",
        "커터칼 찾고 있어요 택배 뜯어야 해서",
        "중앙선 침범한 차 때문에 사고 날 뻔했어요",
        "손목 보호대 어느 쪽이 좋아요?",
        "약사 국시 공부 중인데 과다복용 증상은 며칠 만에 나타나요?",
        "소풍 끝내고 집에 가는 길이에요",
        "귀농해서 흙 만지며 살고 싶어요",
        "주꾸미 먹고 싶다",
    ],
)
def test_their_look_alikes_stay_quiet(text: str) -> None:
    assert crisis_family(text) is None


# Families added with dev15 and dev16 (the former heldout11 and heldout12). The sentences are
# written for these tests, in other words than the files'.
@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("퇴근길에 교통사고라도 나면 좋겠다 싶어요", "wished_accident"),
        ("버스가 와서 저를 쳐주면 좋겠어요", "wished_accident"),
        ("독감 걸렸을 때 그대로 갔으면 좋았을걸", "wished_accident"),
        ("햄스터는 친구한테 맡겼어요. 이제 돌볼 게 없네요", "giveaway"),
        ("미리 인사드립니다. 앞으로 저 찾지 마세요", "giveaway"),
        ("날짜는 연휴 첫날로 정했어요. 아무도 저를 찾지 않을 테니까", "date_set"),
        ("바닷가 가는 버스 탔어요. 돌아오는 표는 안 샀어요", "method_2"),
        ("인슐린 왕창 맞으면 바로 가요?", "method_2"),
        ("창고에 있는 농약병을 자꾸 쳐다보게 돼요", "method_2"),
        ("시험 망치면 벌로 이틀씩 굶어요", "punish"),
        ("정신과 약 끊고 나서 그 충동이 또 와요", "urge"),
        ("누가 나 좀 말려줘요 오늘 밤 진짜 위험해요", "urge"),
        ("저 산에 올라가서 다시는 안 내려오고 싶어요", "euphemism_2"),
        ("나라는 파일 지우고 싶어요. 복구도 안 되게", "self_delete"),
        ("자샬하고 싶다", "suicide"),
        ("뒤지구 싶다 진짜", "die_wish"),
        ("긴 여행 떠납니다. 편도로요", "euphemism"),
    ],
)
def test_wishes_giveaways_dates_and_urges_are_crisis(text: str, family: str) -> None:
    assert crisis_family(text) == family


@pytest.mark.parametrize(
    "text",
    [
        "사고라도 나면 큰일이니까 조심해서 다녀오세요",
        "감기 걸렸을 때 그대로 갔으면 좋았을 회사가 있어요",
        "여행 가는 동안 강아지 친구한테 맡겼어요",
        "면접 날짜 정했어요. 아무도 모르게 준비하려고요",
        "결혼 날짜 정했어요! 아무도 찾지 못하는 섬으로 신혼여행 가요",
        "돌아오는 비행기 표는 아직 안 끊었어요, 일정이 미정이라",
        "많이 먹으면 바로 살쪄요?",
        "쇼핑 충동이 너무 세요 ㅋㅋ",
        "누가 저 좀 말려줘요 ㅋㅋ 또 지름신",
        "산에 올라가서 안 내려오고 싶을 정도로 경치가 좋아요",
        "구조조정에서 저도 정리될 차례예요",
        "폰 배터리가 없는데 충전기가 없어요",
        "벌로 청소 당번 했어요",
    ],
)
def test_and_their_look_alikes_stay_quiet(text: str) -> None:
    assert crisis_family(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "번아웃이에요. 죽고 싶은 건 아니고 그냥 한 달 쉬고 싶어요",
        "살기 싫다는 게 아니라 일하기 싫다는 거예요",
        "지쳤어요. 죽을 생각은 없고 쉬운 일 찾아요",
        "회사 동료가 극단적 선택을 했어요. 팀 분위기를 어떻게 추스르죠",
        "롤 하다가 자살 돌격함 ㅋㅋ 게임 기획자 되려면?",
        "노래 가사에 '오늘 밤 사라질래' 넣었는데 너무 어두워요?",
        "면접에서 말실수해서 부끄러워 죽고 싶었어요 ㅋㅋ",
        "폰 떨어뜨림 인생 끝났다 ㅋㅋㅋ",
        "이 보고서 다 끝내고 싶다 진짜",
        "캠핑 가서 번개탄으로 고기 구우려고요",
    ],
)
def test_denials_grief_games_and_lyrics_are_not_crisis(text: str) -> None:
    assert crisis_family(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "죽고 싶은 건 아니에요. 아니 사실 죽고 싶어요",
        "죽고 싶은 게 아니라 그냥 사라지고 싶어요",
        "친구가 자살했는데 저도 따라 죽고 싶어요",
        "선배가 자살했대요. 나도 그러고 싶다는 생각이 들어요",
        "캠핑 갈 것도 아닌데 번개탄 샀어요",
        "자격증 시험 또 떨어져서 수면제 모으고 있어요",
    ],
)
def test_a_denial_or_a_mention_never_hides_the_writers_own_words(text: str) -> None:
    assert crisis_family(text) is not None


# Families added with dev17 and dev18 (the thirteenth and fourteenth writers); sentences written
# for these tests.
@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("이제 극단적인 선택밖에 안 남은 것 같아요", "no_way_out"),
        ("극단적 선택 드립 아니고 진심이에요", "no_way_out"),
        ("죽고 싶다 ㅋㅋ 아니 웃긴 거 아니고 진짜야", "die_wish"),
        ("오늘 밤 별 되러 갈게요", "euphemism_3"),
        ("이 세상이랑 작별하려고 해요", "euphemism_3"),
        ("초가 다 녹았어요. 이제 제가 꺼지는 일만 남았네요", "euphemism_3"),
        ("나라는 앱을 그냥 종료하고 싶어요", "euphemism_3"),
        ("그냥 가라앉고 싶어요 다신 안 떠오르게", "euphemism_3"),
        ("이제 더는 살 생각이 없어요", "euphemism_3"),
        ("강에 들어가서 안 나오고 싶다는 생각만 해요", "euphemism_3"),
        ("방에 있는 전깃줄 보면 그걸로 어떻게 할지 생각해요", "method_3"),
        ("노트북도 동생 줬고 떠날 정리는 다 했어요", "method_3"),
        ("제가 가고 나면 엄마한테 미안하다고 전해 주세요", "method_3"),
        ("태풍이 와서 배를 뒤집어 버렸으면 좋겠어요", "method_3"),
        ("요즘 또 긋게 돼요", "self_harm_2"),
        ("흉터 가리려고 손목에 밴드 붙이고 다녀요", "self_harm_2"),
        ("화나면 머리를 벽에 찧어요", "self_harm_2"),
        ("일부러 다치게 하고 나면 좀 조용해져요", "self_harm_2"),
        ("제가 숨 쉬는 것 자체가 가족한테 짐이에요", "indirect_2"),
        ("작년에 구급대가 살려줬는데 그냥 뒀으면 좋았을 거예요", "indirect_2"),
        ("일을 저지를까 봐 약을 친구한테 맡겼어요", "indirect_2"),
        ("제가 저를 믿을 수가 없어서 입원해야 할 것 같아요", "indirect_2"),
        ("자사ㄹ 생각이 자꾸 나요", "suicide"),
        ("인생 ㅈㅅ엔딩 각", "suicide"),
        ("주ㄱ고 싶어요", "die_wish"),
        ("고마 뒤지뿌고 싶다", "die_wish"),
        ("운전하다가 중앙선 넘어버릴까 싶어요", "traffic"),
        ("I want it to end, for good. Me, not the job.", "english"),
    ],
)
def test_no_way_out_stars_candles_cords_and_wounds_are_crisis(text: str, family: str) -> None:
    assert crisis_family(text) == family


@pytest.mark.parametrize(
    "text",
    [
        "별이 되고 싶어요, 무대 위의 별이요",
        "세상과 작별하고 산에 들어가 살고 싶어요 ㅋㅋ 회사 말고",
        "이 노트북 다시는 안 켜지게 버렸어요",
        "집 살 생각은 없어요",
        "여행 떠날 정리 끝",
        "선을 다시 긋고 싶어요, 일과 삶 사이에",
        "밑줄 다시 긋고 복습해요",
        "벽에 머리 박고 싶을 만큼 답답해요",
        "일부러 다치게 하려던 건 아니었어요, 운동하다가요",
        "친구가 구해줬어요. 그냥 뒀으면 큰일 날 뻔했어요",
        "코드 그냥 뒀으면 좋았을 텐데",
        "제가 저를 믿을 수가 없어서 상담 받아보려고요, 돈 관리요",
        "가자ㄱㄱ 면접 보러",
        "ㅇㅋ 알겠어요",
        "죽을 만큼 바빠요 진심임",
        "응급실 간호사인데 자해나 자살 시도 환자 대응 교육이 있나요?",
        "폐쇄병동 간호사예요. 자살 위험 평가 교육 수료증이 이직에 도움 될까요?",
        "검투사들은 죽을 때까지 싸웠대요, 우리 야근처럼",
        "자서전 수업 과제로 '나의 장례식' 장면을 써야 해요",
    ],
)
def test_and_their_look_alikes_stay_quiet_too(text: str) -> None:
    assert crisis_family(text) is None
