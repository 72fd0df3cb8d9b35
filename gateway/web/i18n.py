# ruff: noqa: RUF001 - Chinese text takes full-width punctuation, not ASCII
"""The page's words in English and Chinese, and which language a request gets.

The language is `?lang=zh|en` when given (a link on every page switches), else the first of
Accept-Language's tags (RFC 9110 §12.5.4) that we have, else English. Stable reason codes are
shown as they are next to their words, so a reader can quote one to an operator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

LANGUAGES = ("en", "zh")
DEFAULT = "en"

Translate = Callable[[str], str]

# key -> (English, Chinese)
_WORDS: dict[str, tuple[str, str]] = {
    "title": ("Check a carbon credential", "核验碳足迹凭证"),
    "intro": (
        "Choose or drop a signed credential file (JSON). Nothing you upload is stored or logged.",
        "选择或拖入已签名的凭证文件（JSON）。上传的内容不会被保存或记录。",
    ),
    "credential_file": ("Credential file (JSON)", "凭证文件（JSON）"),
    "receipt_file": ("Receipts from the logs (optional, JSON)", "透明日志收据（可选，JSON）"),
    "drop_here": ("or drop the files here", "或将文件拖放到此处"),
    "check": ("Check", "核验"),
    "offline_note": (
        "Offline mode: signatures and schemas are checked; no trust registry vouches for keys.",
        "离线模式：核验签名与数据结构；没有信任注册表为密钥担保。",
    ),
    "node_note": ("Checked against the trust registry of", "依据以下节点的信任注册表核验："),
    "verified": ("Verified", "核验通过"),
    "not_verified": ("Not verified", "核验未通过"),
    "why": ("Why", "原因"),
    "unusable": ("This file is not a usable credential", "该文件不是可用的凭证"),
    "credential": ("Credential", "凭证"),
    "kind": ("Kind", "类型"),
    "issuer": ("Issuer", "签发方"),
    "organization": ("Organization", "机构"),
    "not_registered": ("not in this node's trust registry", "不在本节点的信任注册表中"),
    "provenance": ("provenance", "来源"),
    "digest": ("SHA-256 of the bytes", "文件字节的 SHA-256"),
    "dataset_id": ("Dataset id", "数据集标识"),
    "proofs": ("Proofs", "签名证明"),
    "proof": ("Proof", "证明"),
    "suite": ("Suite", "密码套件"),
    "key": ("Key", "密钥"),
    "purpose": ("Purpose", "用途"),
    "created": ("Signed at", "签名时间"),
    "expires": ("Expires", "失效时间"),
    "role": ("Role", "角色"),
    "issuer_role": ("issuer", "签发方"),
    "endorser_role": ("endorsement (e.g. a certifier)", "背书（如认证机构）"),
    "chain": ("Chained to proof", "链接至证明"),
    "key_status": ("Key in trust registry", "密钥在信任注册表中"),
    "trusted": ("trusted", "受信任"),
    "revoked": ("REVOKED", "已吊销"),
    "unknown": ("unknown", "未知"),
    "ok": ("valid", "有效"),
    "failed": ("FAILED", "无效"),
    "findings": ("Schema and profile findings", "数据结构与规范检查结果"),
    "no_findings": (
        "None: the dataset meets its schema and profiles.",
        "无：数据集符合其结构与规范。",
    ),
    "pointer": ("Where (JSON pointer)", "位置（JSON 指针）"),
    "reason": ("Reason", "原因代码"),
    "message": ("Details", "说明"),
    "severity": ("Severity", "级别"),
    "error": ("error", "错误"),
    "warning": ("warning", "警告"),
    "figures": ("Footprint figures", "碳足迹数据"),
    "per_unit": ("kgCO2e per", "千克二氧化碳当量 每"),
    "figure": ("Figure", "指标"),
    "value": ("Value", "数值"),
    "stages": ("Life-cycle stages (GB/T 24067)", "生命周期阶段（GB/T 24067）"),
    "stage": ("Stage", "阶段"),
    "electricity": ("Electricity", "电力"),
    "headline_basis": ("Headline basis", "主结果口径"),
    "consumed_mwh": ("Electricity consumed (MWh)", "耗电量（兆瓦时）"),
    "location_based": ("Location-based (grid average)", "基于位置（电网平均）"),
    "certificate_adjusted": ("Certificate-adjusted (GEC)", "绿证调整后"),
    "residual_mix_basis": ("Residual mix basis", "剩余组合口径"),
    "gec_ranges": (
        "Green electricity certificates (1 GEC = 1 MWh)",
        "绿色电力证书（1 张 = 1 兆瓦时）",
    ),
    "first": ("First serial", "起始编号"),
    "last": ("Last serial", "结束编号"),
    "technology": ("Technology", "技术"),
    "mwh": ("MWh", "兆瓦时"),
    "total": ("Total", "合计"),
    "receipts": ("Transparency log receipts", "透明日志收据"),
    "log": ("Log", "日志"),
    "entry": ("Entry", "条目"),
    "tree_size": ("Tree size", "树大小"),
    "included": ("included", "已收录"),
    "not_included": ("NOT verified", "未通过核验"),
    "checkpoint_age": ("Checkpoint signed", "检查点签名于"),
    "seconds_ago": ("s ago", "秒前"),
    "check_another": ("Check another file", "核验其他文件"),
    "language": ("中文", "English"),
    "dataset": ("Dataset", "数据集"),
    "status": ("Status", "状态"),
    "history": ("Log history", "日志历史"),
    "event": ("Event", "事件"),
    "log_index": ("Log index", "日志序号"),
    "accepted": ("accepted", "已接收"),
    "deprecated": ("deprecated", "已弃用"),
    "withdrawn": ("withdrawn", "已撤回"),
    "attested": ("attested by", "已由以下机构鉴证"),
    "active": ("active", "有效"),
    "download": ("Download", "下载"),
    "exact_bytes": ("the exact signed bytes", "签名的原始字节"),
    "receipt_of": ("receipt of", "收据："),
    "denied": ("Not available to you", "您无权查看"),
    "denied_detail": (
        (
            "Dataset pages need a client certificate of an organization this node registered "
            "that may read the dataset."
        ),
        "数据集页面需要本节点已登记、且有权读取该数据集的机构的客户端证书。",
    ),
    "too_large": ("The upload is larger than this node accepts", "上传内容超过本节点的上限"),
    "no_file": ("Choose a credential file first", "请先选择凭证文件"),
    "problem_FINDINGS": (
        "The dataset breaks its schema, rules or profiles (see the findings).",
        "数据集不符合其结构、规则或规范（见检查结果）。",
    ),
    "problem_KEY_REVOKED": (
        "A signing key has been revoked in the trust registry.",
        "签名密钥已在信任注册表中被吊销。",
    ),
    "problem_KEY_UNKNOWN": (
        "The issuer's key is not in the trust registry.",
        "签发方的密钥不在信任注册表中。",
    ),
    "problem_RECEIPT_NOT_VERIFIED": (
        "A receipt does not prove these bytes are in the log it names.",
        "收据无法证明该文件已收录于其所述日志。",
    ),
    "problem_SIGNATURE_INVALID": (
        "A signature does not match the content: the file was changed after signing.",
        "签名与内容不符：文件在签名后被改动。",
    ),
}


def language(query: Mapping[str, str], accept_language: str) -> str:
    """`?lang=` when it names a language we have, else Accept-Language's first match."""
    asked = query.get("lang", "")
    if asked in LANGUAGES:
        return asked
    for part in accept_language.split(","):
        tag = part.split(";", 1)[0].strip().lower()
        primary = tag.split("-", 1)[0]
        if primary in LANGUAGES:
            return primary
    return DEFAULT


def translator(lang: str) -> Translate:
    """Words of `lang`; a key with no words is shown as itself (a reason code, say)."""
    column = LANGUAGES.index(lang) if lang in LANGUAGES else 0

    def translate(key: str) -> str:
        words = _WORDS.get(key)
        return words[column] if words else key

    return translate


def has_words(key: str) -> bool:
    """Whether `key` has words (templates fall back to the raw reason and message)."""
    return key in _WORDS
