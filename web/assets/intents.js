// Generated from chalicelib/nlu/catalogue.py by `python -m scripts.generate_intents`:
// edit the catalogue, never this file (a unit test fails when it is stale).
// Per intent: its label, the partner's three choices, the chat's progress
// steps per decision and the chat's examples. Read through window.PL.
window.PL_INTENTS = {
  "intents": {
    "ChangeReservation": {
      "label": "예약 변경",
      "choices": {
        "accept": "변경할게요",
        "reject": "변경할 수 없어요",
        "propose": "다른 시간 제안"
      },
      "steps": {
        "accept": "변경 확정",
        "reject": "변경 불가",
        "propose": "다른 시간 제안"
      },
      "examples": [
        "RS-2025110301 체크인 날짜를 바꾸고 싶어요"
      ]
    },
    "ReportTrouble": {
      "label": "트러블 신고",
      "choices": {
        "accept": "처리할게요",
        "reject": "처리할 수 없어요",
        "propose": "방문 시간 제안"
      },
      "steps": {
        "accept": "처리 예정",
        "reject": "처리 불가",
        "propose": "방문 시간 제안"
      },
      "examples": [
        "RS-2025110301 방에 물이 새요"
      ]
    },
    "RequestAddOnService": {
      "label": "부가 서비스 요청",
      "choices": {
        "accept": "준비할게요",
        "reject": "준비할 수 없어요",
        "propose": "가능한 시간 제안"
      },
      "steps": {
        "accept": "준비 예정",
        "reject": "준비 불가",
        "propose": "가능한 시간 제안"
      },
      "examples": [
        "RS-2025110301 수건을 더 받고 싶어요"
      ]
    }
  },
  "other": {
    "label": "기타",
    "choices": {
      "accept": "수락할게요",
      "reject": "거절할게요",
      "propose": "다른 시간 제안"
    },
    "steps": {
      "accept": "제휴점 수락",
      "reject": "제휴점 거절",
      "propose": "다른 시간 제안"
    },
    "examples": []
  },
  "decisions": {
    "accept": "수락",
    "reject": "거절",
    "propose": "다른 시간 제안"
  },
  "offer": "예약 변경, 트러블 신고, 부가 서비스 요청을"
};
