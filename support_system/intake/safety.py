"""Harmful requests: break into, spy on, steal, defraud, or make malware.

Rules first, because a refusal must not depend on how close two e5 scores happen to
be. They are written conservatively: each needs the harmful act itself ("break into",
"パスワードを調べる", "偽のレビュー"), not just a topic word, so "a page warning our
members about phishing" or 「パスワードを忘れたときのFAQ」 stay ordinary requests. The
classifier adds e5 similarity to the labelled harmful examples on top (see
`classifier.DECLINE_SIMILARITY`), which only ever declines a request that is a near
paraphrase of one.
"""

from __future__ import annotations

import re

from support_system.intake.cues import normalise

_SOMEONE = (
    r"(?:someone|somebody|other people|others|people|my (?:ex|neighbou?r|wife|husband|"
    r"girlfriend|boyfriend|partner|boss|colleague|coworker|classmate|friend)|"
    r"(?:his|her|their|a stranger)|neighbou?r)(?:'?s)?"
)
_EN = (
    # Breaking into what is not yours.
    r"\b(?:break|breaking|broke|hack|hacking|hacked|sneak|sneaking) into\b",
    r"\bget (?:in)?to\b.{0,30}\b(?:wi-?fi|account|password|phone|computer|network|e-?mails?)\b",
    r"\bhack(?:ing|ed)?\b.{0,40}\b(?:wi-?fi|account|password|phone|computer|network|email|"
    r"camera|server|website)",
    r"\bcrack(?:ing)?\b.{0,30}\b(?:password|wi-?fi|software|licen[cs]e|account)",
    r"\b(?:steal|stealing|stolen)\b",
    rf"\b(?:find|get|guess|know|see|read|access|use|crack|open|check|log)\w*\b.{{0,30}}{_SOMEONE}"
    r".{0,20}\b(?:password|passcode|wi-?fi|login|account|messages|e-?mails?|texts|phone)\b",
    # Spying on people.
    r"\bsecretly\b.{0,40}\b(?:track|record|monitor|watch|read|follow|film|listen)",
    r"\b(?:track|record|monitor|watch|read|follow|film)\w*\b.{0,40}\bwithout (?:them|him|her|"
    r"their|anyone|people) (?:knowing|noticing|consent)",
    r"\b(?:stalk|stalking|spy on|spying on|spyware|stalkerware)\b",
    # Malware and attacks.
    r"\b(?:keylogger|key logger|malware|ransomware|trojan|botnet|rootkit|ddos)\b",
    r"\b(?:make|write|create|build|code)\b.{0,20}\b(?:virus|worm)\b",
    r"\b(?:hide|hides|hidden|evade|evades|bypass\w*)\b.{0,20}\b(?:antivirus|anti-virus|detection)",
    # Fraud and deception.
    r"\bfake\b.{0,30}\b(?:bank|login|log-in|sign-in|review|invoice|id|passport|website|page)",
    r"\bphishing (?:page|site|email|mail|link)",
    r"\b(?:collect|harvest|capture)\w*\b.{0,30}\b(?:people'?s|their|others'?|users'?) "
    r"(?:passwords?|card|credit card|bank)",
    r"\b(?:scam|defraud|swindle|counterfeit|forge|forged)\b",
    r"\b(?:someone else'?s|stolen|other people'?s) (?:credit )?card",
)
_JA = (
    # 不正アクセス・盗み
    r"ハッキング|ハックして|不正アクセス|不正ログイン|乗っ取",
    r"盗[むみんめま]|盗聴|盗撮",
    r"(?:他人|人|元カノ|元カレ|元彼|元妻|元夫|妻|夫|彼女|彼氏|隣|近所|同僚|上司|友達)の.{0,12}"
    r"(?:パスワード|暗証番号|アカウント|wi-?fi|ワイファイ|メール|line|ライン|位置|居場所|スマホ|"
    r"クレジットカード|カード番号)",
    r"パスワード.{0,6}(?:調べ|解析|盗|抜き|破)",
    # 監視・つきまとい
    r"ストーカー|つきまと|付きまと",
    r"(?:こっそり|バレずに|ばれずに|内緒で|無断で|勝手に).{0,20}(?:位置|居場所|追跡|録音|撮影|監視|"
    r"読む|見る|のぞ|覗)",
    # マルウェア・攻撃
    r"(?:ウイルス|ウィルス|マルウェア|ランサムウェア|キーロガー|トロイの木馬).{0,8}(?:作|つく|書)",
    r"(?:作|つく)\S{0,6}(?:ウイルス|ウィルス|マルウェア|ランサムウェア|キーロガー)",
    r"サーバー?を(?:落と|攻撃)|攻撃する|ddos",
    # 詐欺・なりすまし
    r"なりすま|成りすま|詐欺を|詐欺で|騙して|だまして",
    r"偽(?:の|物の?)?(?:レビュー|口コミ|クチコミ|サイト|ログイン|銀行|請求|領収書|証明書)",
    r"(?:口コミ|レビュー|クチコミ).{0,10}(?:大量|自作自演)|サクラ",
    r"フィッシング(?:サイト|ページ|メール).{0,6}(?:作|つく)",
)
_PATTERNS = tuple(re.compile(p) for p in (*_EN, *_JA))


def sounds_harmful(text: str) -> bool:
    """True when `text` asks for something that harms other people (see the module doc).

    "break into my neighbour's Wi-Fi" and 「ウイルスを作りたい」 are; "a page about our
    Wi-Fi password for guests" and 「詐欺に気をつけるお知らせページ」 are not.
    """
    normal = normalise(text)
    return any(pattern.search(normal) for pattern in _PATTERNS)
