"""Every user-facing string, in one place so wording can be reviewed in one read.

Chinese first; English where the user wrote English.
"""

from __future__ import annotations

APP_NAME = "AIGC 知识助手"

USAGE_EXAMPLES = ("什么是MaaS", "合成数据有什么用", "AIGC 面临哪些挑战", "what is diffusion model")

USAGE = {
    "zh": (
        "请输入想查的术语或问题，例如：" + "、".join(f"“{q}”" for q in USAGE_EXAMPLES[:3]) + "。"
    ),
    "en": "Type a term or a question, for example: "
    + ", ".join(f"“{q}”" for q in USAGE_EXAMPLES)
    + ".",
}

NO_ANSWER = {
    "zh": "抱歉，知识库里没有找到能可靠回答“{query}”的内容。",
    "en": "Sorry, the knowledge base has nothing that reliably answers “{query}”.",
}
SUGGESTIONS_HEADING = {"zh": "你是不是想找：", "en": "Did you mean:"}
NO_SUGGESTIONS = {
    "zh": "可以换个说法，或试试术语的中文名、英文名或缩写。",
    "en": "Try other words, or a term's Chinese name, English name or abbreviation.",
}
ALTERNATIVES_HEADING = {"zh": "相关内容：", "en": "See also:"}
SOURCE_LABEL = {"zh": "来源", "en": "Source"}
TRUNCATED = {
    "zh": "（问题超过 {limit} 字，只查找了前 {limit} 字。）",
    "en": "(Your question was longer than {limit} characters; only the first {limit} were used.)",
}
FIGURE_UNAVAILABLE = "原文此处是一张图表，图表内容在知识库中不可用。"

# --- Slack ------------------------------------------------------------------------------------
# Placeholders filled with user text ({query}, {keyword}) receive mrkdwn-escaped text.

SLASH_COMMAND = "/aigc"
SHARE_BUTTON = {"zh": "在频道中分享", "en": "Share in channel"}
# Neither the press's response_url nor chat.postMessage could post the shared answer here.
SHARE_FAILED = {
    "zh": "没能把这条答案分享出去：Slack 拒收了（这条答案的按钮可能已过期）。请重新用 `/aigc` 提问，"
    "再分享新的答案。",
    "en": "I couldn't share this answer: Slack refused it (its buttons may have expired). "
    "Ask again with `/aigc` and share the new answer.",
}
DID_YOU_MEAN = {"zh": "你是不是想找…", "en": "Did you mean…"}
# A best match: one entry clearly leads but covers the question only in part.
BEST_MATCH_NOTE = {
    "zh": "可能不完全是你问的：这是知识库里最接近的内容。",
    "en": "This may not be exactly what you asked: it is the closest the knowledge base has.",
}
ALSO_SEE = {"zh": "也可以看看…", "en": "You could also look at…"}
RELATED_LABEL = {"zh": "相关术语", "en": "Related"}
ENGLISH_NAME_LABEL = {"zh": "英文", "en": "English"}
ASKED_BY = {"zh": "<@{user}> 问：{query}", "en": "<@{user}> asked: {query}"}

HELP_TITLE = "AIGC 知识助手 · 使用说明"
HELP_INTRO = (
    "我根据知识库回答关于 AI 生成内容（AIGC）的问题，回答只有你自己能看到，"
    "可以一键分享到频道。\n"
    "I answer questions about AI-generated content from the team's knowledge base."
)
HELP_WAYS = (
    "*三种用法 / Three ways in*\n"
    "• `/aigc 你的问题` — 只有你能看到的回答 (private answer)\n"
    "• 在频道里 `@AIGC 知识助手 你的问题` — 在消息串里回答 (answer in the thread)\n"
    "• 私信我 — 直接回答 (direct message)\n"
    "• 消息菜单 ⋯ → *解释术语* — 解释一条消息里的 AIGC 术语 (explain the terms in a message)"
)
HELP_COMMANDS = (
    "*命令 / Commands*\n"
    "• `/aigc help` — 本说明\n"
    "• `/aigc terms [关键词]` — 浏览术语表 (browse the glossary)\n"
    "• `/aigc toc` — 文章目录 (sections of each article)\n"
    "• `/aigc subscribe [HH:MM] [时区]` — 本频道每天收到 AIGC 日报，默认 09:30 Asia/Shanghai "
    "(daily digest in this channel)\n"
    "• `/aigc unsubscribe` — 停止本频道的日报 (stop it)\n"
    "• `/aigc subscriptions` — 本工作区订阅了日报的频道 (subscribed channels)\n"
    "• `/aigc digest` — 预览今天的日报；`/aigc digest post` 现在就发到本频道 (preview / post now)\n"
    "• `/aigc stats` — 最近 7 天大家问得最多的条目和知识库缺的话题 (most asked entries, gaps)\n"
    "• `/aigc teach [术语]` — 教我一个新词，知识编辑审核后生效 (teach me a term; an editor "
    "reviews it)"
)
HELP_PRIVACY = (
    "*隐私 / Privacy*\n"
    "我记下问题以便统计，不记提问人（只存一个带密钥的哈希）。"
    "`/aigc stats`、日报的“本周团队在问”和首页只显示被问到的条目、次数和人数，"
    "从不显示任何人的原话；私信、群私信和私有频道里的提问不计入其中。"
    "没答上的问题只以话题出现，且至少 3 个人问过。你自己最近的提问只在你的首页给你看。"
    "提问记录保留 {days} 天，管理员可以删除某个人的全部记录。\n"
    "Questions are logged without names; shared views show entries and counts, never anyone's "
    "words, and nothing from DMs or private channels. Kept {days} days."
)
HELP_EXAMPLES_LABEL = "*试试 / Try*"
# A file shared in the DM without a comment: no words to go by, so both languages.
DM_FILE_WITHOUT_WORDS = (
    "我只能读文字，看不了文件或图片。请把问题打出来，例如：什么是MaaS。\n"
    "I can only read words, not files or images: please type your question, e.g. “what is AIGC”."
)
MENTION_HELP = {
    "zh": "在 @我 后面写上问题，例如：@AIGC 知识助手 什么是MaaS。输入 `/aigc help` 查看全部用法。",
    "en": "Write your question after the mention, e.g. “@AIGC 知识助手 what is AIGC”. "
    "Type `/aigc help` for everything I can do.",
}

TERMS_TITLE = "术语表 / Glossary"
TERMS_FILTERED = "包含“{keyword}”的术语：{count} 个"
TERMS_ALL = "共 {count} 个术语"
TERMS_PAGE = "第 {page}/{pages} 页"
TERMS_NONE = "没有找到包含“{keyword}”的术语。输入 `/aigc terms` 浏览全部术语。"
PREVIOUS_PAGE = "上一页"
NEXT_PAGE = "下一页"

TOC_TITLE = "文章目录 / Contents"
TOC_EMPTY = "知识库里还没有文章。"

HOME_WELCOME = (
    "👋 你好！我是 *AIGC 知识助手*，根据团队整理的文章和术语表回答关于 AI 生成内容（AIGC）的问题。"
)
HOME_GLOSSARY = "术语表 / Glossary"
HOME_TOP_QUESTIONS = "大家最常问的条目 / Most asked about"
HOME_YOUR_QUESTIONS = "你最近的提问（只有你能看到）/ Your recent questions (only you see these)"

SHORTCUT_CALLBACK_ID = "explain_terms"
SHORTCUT_TITLE = {"zh": "这条消息里的 AIGC 术语", "en": "AIGC terms in this message"}
SHORTCUT_NONE = {
    "zh": "这条消息里没有找到术语表中的 AIGC 术语。",
    "en": "No glossary terms were found in this message.",
}
SHORTCUT_MORE = {
    "zh": "用 `/aigc 术语名` 查看完整解释。",
    "en": "Use `/aigc <term>` for the full explanation.",
}

APOLOGY = {
    "zh": "抱歉，处理你的请求时出了问题，请稍后再试。",
    "en": "Sorry, something went wrong while handling your request. Please try again.",
}
ENTRY_GONE = {
    "zh": "这条内容已不在知识库里了，请重新提问。",
    "en": "That entry is no longer in the knowledge base; please ask again.",
}
NOT_IN_CHANNEL = {
    "zh": "我还不在这个频道里，没法发消息。请先用 `/invite @AIGC知识助手` 邀请我，再试一次。",
    "en": "I'm not in this channel, so I can't post here. Invite me with "
    "`/invite @AIGC知识助手` and try again.",
}
CHANNEL_NOT_FOUND = {
    "zh": "我看不到这个频道（可能是私有频道或私信）。请先用 `/invite @AIGC知识助手` 邀请我。",
    "en": "I can't see this channel (it may be private). Invite me with `/invite @AIGC知识助手` first.",
}
RATE_LIMITED = {
    "zh": "Slack 暂时限制了我的发送频率，请过一分钟再试。",
    "en": "Slack is rate-limiting me right now; please try again in a minute.",
}
# What a person can do about a Slack error, by the remedy bot/slack_errors.py gives each code.
# Remedies without an entry ("unavailable") get APOLOGY.
SLACK_ERROR_ADVICE = {
    "invite": NOT_IN_CHANNEL,
    "channel_gone": CHANNEL_NOT_FOUND,
    "archived": {
        "zh": "这个频道已归档，没法再发消息。取消归档后再试。",
        "en": "This channel is archived, so nothing can be posted in it. Unarchive it and try again.",
    },
    "read_only": {
        "zh": "这个频道（或这个话题）只允许部分成员发言，我发不了消息。请频道管理员允许应用发言，"
        "或换一个频道。",
        "en": "Only some members may post in this channel (or thread), so I can't post here. "
        "Ask a channel manager to let apps post, or use another channel.",
    },
    "admin": {
        "zh": "工作区管理员限制了这个应用（例如 EKM 密钥或应用权限），我没法发消息。请联系 Slack 管理员。",
        "en": "Your workspace admins restrict this app here (for example EKM keys or app "
        "permissions), so I can't post. Please contact your Slack admin.",
    },
    "reinstall": {
        "zh": "应用在这个工作区的授权已失效（令牌被撤销或应用被卸载）。请管理员重新安装应用。",
        "en": "The app's authorization in this workspace is no longer valid (its token was "
        "revoked or the app was removed). Ask an admin to reinstall the app.",
    },
    "scopes": {
        "zh": "应用缺少需要的权限。请管理员按 manifest.json 更新权限并重新安装应用。",
        "en": "The app lacks a permission it needs. Ask an admin to update its scopes from "
        "manifest.json and reinstall it.",
    },
    "app_settings": {
        "zh": "应用的 App Home 或消息页没有打开。请管理员在应用设置里打开它们（见 manifest.json）。",
        "en": "The app's Home or Messages tab is turned off. Ask an admin to turn it on in the "
        "app's settings (see manifest.json).",
    },
    "message_rejected": {
        "zh": "Slack 拒收了这条消息的内容（这是应用的问题，已记入日志）。请联系应用管理员。",
        "en": "Slack refused this message's content (a problem in the app; it has been "
        "logged). Please tell the app's administrator.",
    },
    "recipient": {
        "zh": "收件人不在这个对话里，或已不在工作区。",
        "en": "The recipient is not in this conversation, or no longer in the workspace.",
    },
    "expired": {
        "zh": "这条消息的按钮已过期（超过 30 分钟或已用过 5 次）。请重新用 `/aigc` 提问。",
        "en": "This message's buttons have expired (after 30 minutes or 5 uses). "
        "Ask again with `/aigc`.",
    },
    "rate_limited": RATE_LIMITED,
}

# --- daily digest ---------------------------------------------------------------------------------

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
DIGEST_TITLE = "AIGC 日报 · {date}"  # {date}: 2026年3月2日 星期一
DIGEST_DATE = "{year}年{month}月{day}日 {weekday}"
DIGEST_TREND = "今日趋势"
DIGEST_TERM = "今日术语"
DIGEST_FACT = "数字看趋势"
DIGEST_WEEKLY = "本周团队在问"
DIGEST_WEEKLY_TOP = "问得最多的条目"
DIGEST_WEEKLY_GAPS = "知识库缺的话题（至少 3 人问过）"
DIGEST_WEEKLY_NONE = "这周公开频道里还没有人提问。试试 `/aigc 你的问题`。"
ASKED_COUNTS = "{count} 次 · {askers} 人"
DIGEST_READ_MORE = "阅读全文"
DIGEST_LOOK_UP_TERM = "查看术语"
DIGEST_EMPTY = "知识库里还没有可用于日报的内容。"
DIGEST_FOOTER = "用 `/aigc 你的问题` 随时提问 · `/aigc unsubscribe` 停止日报"
DIGEST_PREVIEW_NOTE = (
    "预览：今天 {date} 本频道的日报（只有你能看到）。`/aigc digest post` 现在就发到频道。"
)
DIGEST_POSTED = "已把今天的日报发到本频道。"
DIGEST_ALREADY_POSTED = "本频道今天（{date}）的日报已经发过了，明天见。"
DIGEST_IN_PROGRESS = "本频道今天的日报正在发送中，请稍后看看频道。"
DIGEST_POST_FAILED = "日报没能发出：Slack 暂时不可用，请过一会儿再试。"

SUBSCRIBED = "已订阅：<#{channel}> 每天 {time}（{tz}）收到 AIGC 日报，每{weekday}附“本周团队在问”。"
RESUBSCRIBED = "已更新：<#{channel}> 的日报改为每天 {time}（{tz}）。"
UNSUBSCRIBED = "已取消：<#{channel}> 不再收到 AIGC 日报。"
NOT_SUBSCRIBED = "<#{channel}> 没有订阅日报。用 `/aigc subscribe [HH:MM] [时区]` 订阅。"
# What was wrong with `/aigc subscribe`'s arguments, in the language the command was typed in.
BAD_POST_TIME = {
    "zh": "“{value}”不是有效的时间。请用 24 小时制 HH:MM，例如 `/aigc subscribe 09:30`。",
    "en": "“{value}” is not a time of day. Use 24-hour HH:MM, e.g. `/aigc subscribe 09:30`.",
}
BAD_TIMEZONE = {
    "zh": "未知时区“{value}”。请用 IANA 时区名，例如 `/aigc subscribe 09:30 Asia/Shanghai`"
    "、`Europe/Berlin`、`America/New_York`。",
    "en": "Unknown time zone “{value}”. Use an IANA name, e.g. "
    "`/aigc subscribe 09:30 Asia/Shanghai`, `Europe/Berlin`, `America/New_York`.",
}
TWO_POST_TIMES = {
    "zh": "只能给一个时间，你给了“{first}”和“{second}”。用法：`/aigc subscribe [HH:MM] [时区]`。",
    "en": "Give one time, not “{first}” and “{second}”. "
    "Usage: `/aigc subscribe [HH:MM] [time zone]`.",
}
TWO_TIMEZONES = {
    "zh": "只能给一个时区，你给了“{first}”和“{second}”。用法：`/aigc subscribe [HH:MM] [时区]`。",
    "en": "Give one time zone, not “{first}” and “{second}”. "
    "Usage: `/aigc subscribe [HH:MM] [time zone]`.",
}
TOO_MANY_ARGUMENTS = {
    "zh": "参数太多。用法：`/aigc subscribe [HH:MM] [时区]`，例如 `/aigc subscribe 08:45 Asia/Tokyo`。",
    "en": "Too many arguments. Usage: `/aigc subscribe [HH:MM] [time zone]`, "
    "e.g. `/aigc subscribe 08:45 Asia/Tokyo`.",
}
SUBSCRIPTIONS_TITLE = "本工作区的 AIGC 日报订阅"
SUBSCRIPTIONS_NONE = "本工作区还没有频道订阅日报。在频道里输入 `/aigc subscribe` 订阅。"
SUBSCRIPTION_LINE = "• <#{channel}> 每天 {time}（{tz}）"
SUBSCRIPTION_PAUSED = "，已暂停：{reason}"
STORAGE_OFF = "这个功能需要数据库，但这个应用实例没有配置存储。"
# Why `/aigc subscribe` is refused where the bot cannot post (from Slack's conversations.info),
# and what to do, in the language the command was typed in.
CANNOT_POST = {
    "archived": {
        "zh": "这个频道已归档，我没法在这里发日报。取消归档后再输入 `/aigc subscribe`。",
        "en": "This channel is archived, so I can't post the digest here. Unarchive it, "
        "then type `/aigc subscribe` again.",
    },
    "read_only": {
        "zh": "这个频道只允许部分成员发言，我发不了日报。请频道管理员允许应用在这里发消息，"
        "或者在别的频道订阅。",
        "en": "Only some members may post in this channel, so I can't post the digest here. "
        "Ask a channel manager to let apps post, or subscribe another channel.",
    },
    "private": {
        "zh": "这是私有频道（或我看不到的频道），我还不是成员，发不了日报。私有频道必须先邀请我："
        "输入 `/invite @AIGC知识助手`，再输入 `/aigc subscribe`。",
        "en": "This is a private channel (or one I can't see) and I'm not a member, so I can't "
        "post the digest here. Private channels need an invite: type "
        "`/invite @AIGC知识助手`, then `/aigc subscribe` again.",
    },
    "public": {
        "zh": "我还不在这个频道里，发不了日报。先输入 `/invite @AIGC知识助手`，再输入 "
        "`/aigc subscribe`（管理员按 manifest.json 重新安装应用、授予 chat:write.public 后，"
        "公开频道无需邀请）。",
        "en": "I'm not in this channel, so I can't post the digest here. Type "
        "`/invite @AIGC知识助手`, then `/aigc subscribe` again (once an admin reinstalls the "
        "app with chat:write.public from manifest.json, public channels need no invite).",
    },
    "dm": {
        "zh": "这是别人之间的私信，我不在里面，没法在这里发日报。想在私信里收日报，请在与 "
        "AIGC知识助手 的私信（应用的“消息”标签）里输入 `/aigc subscribe`，或者在频道里订阅。",
        "en": "This is a DM between other people; I'm not in it, so I can't post the digest "
        "here. To get it in a DM, type `/aigc subscribe` in your DM with AIGC知识助手 (the "
        "app's Messages tab), or subscribe a channel.",
    },
    "group_dm": {
        "zh": "我不在这个群组私信里，没法在这里发日报。请在频道里订阅，或在与 AIGC知识助手 "
        "的私信里输入 `/aigc subscribe`。",
        "en": "I'm not in this group DM, so I can't post the digest here. Subscribe a channel "
        "instead, or type `/aigc subscribe` in your DM with AIGC知识助手.",
    },
}
# Added to the confirmation when Slack could not be asked whether the bot can post there.
POSTING_UNCHECKED = {
    "zh": "（暂时没法向 Slack 确认我能在这里发消息。如果第一份日报发不出去，订阅会暂停，"
    "我会私信告诉你原因。）",
    "en": "(I couldn't check with Slack that I can post here. If the first digest can't be "
    "posted, the subscription is paused and I'll DM you why.)",
}
POSTING_MISSING_SCOPE = {
    "zh": "（应用缺少权限 {scope}，没法确认我能在这里发消息。请管理员按 manifest.json "
    "重新安装应用。）",
    "en": "(The app lacks the {scope} permission, so I couldn't check that I can post here. "
    "Ask an admin to reinstall the app from manifest.json.)",
}

# Why a subscription was paused, by the remedy of the Slack error code it was paused with
# (bot/slack_errors.py), shown in `/aigc subscriptions`.
PAUSE_REASONS = {
    "invite": "我已不在这个频道里",
    "channel_gone": "找不到这个频道（可能已删除，或是我看不到的私有频道）",
    "archived": "频道已归档",
    "read_only": "频道只允许部分成员发言",
    "admin": "工作区管理员限制了应用",
    "reinstall": "应用在这个工作区的授权已失效",
    "scopes": "应用缺少权限",
    "app_settings": "应用设置未打开",
    "message_rejected": "Slack 拒收了日报内容",
    "recipient": "收件人不可用",
    "expired": "链接已过期",
    "app_uninstalled": "应用已从工作区卸载",
    "tokens_revoked": "应用的令牌已被撤销",
}
# The DM to whoever subscribed a channel whose digest was paused: both languages, since the
# subscriber's own is not known. {advice}: SLACK_ERROR_ADVICE of the error's remedy.
PAUSED_DM = {
    "zh": "<#{channel}> 的 AIGC 日报已暂停（Slack 错误 `{code}`）。{advice}\n"
    "解决后在该频道输入 `/aigc subscribe` 重新订阅。",
    "en": "The AIGC digest of <#{channel}> is paused (Slack error `{code}`). {advice}\n"
    "Once that is fixed, type `/aigc subscribe` in the channel to subscribe again.",
}
# The DM when today's digest was tried as often as a day allows (Slack kept failing).
GAVE_UP_DM = {
    "zh": "<#{channel}> 今天的 AIGC 日报试了 {attempts} 次都没发出（Slack 错误 `{code}`），"
    "今天不再重试，明天照常发送。想现在再试，在该频道输入 `/aigc digest post`。",
    "en": "Today's AIGC digest for <#{channel}> failed {attempts} times (Slack error `{code}`) "
    "and won't be retried today; tomorrow's comes as usual. To try now, type "
    "`/aigc digest post` in the channel.",
}

STATS_TITLE = "最近 7 天大家问了什么"
STATS_TOP = "问得最多的条目"
STATS_GAPS = "知识库缺的话题（至少 3 人问过）—— 下一步该补的内容"
STATS_NONE = "最近 7 天公开频道里还没有人提问。"
STATS_NO_GAPS = "最近 7 天没有 3 人以上问过却没答上的话题。"
STATS_FOOTER = (
    "只统计公开频道里的提问，只显示条目和话题，不显示任何人的原话，不记录提问人。"
    "私信和私有频道里的提问不计入。"
)

# --- teaching the bot (issue 12): feedback, suggestions, review -----------------------------------
# Buttons under every answer. A vote is acknowledged to the voter alone, never in the channel.
VOTE_UP_BUTTON = {"zh": "👍 有帮助", "en": "👍 Helpful"}
VOTE_DOWN_BUTTON = {"zh": "👎 没帮上", "en": "👎 Not helpful"}
CORRECT_BUTTON = {"zh": "纠正", "en": "Correct it"}
TEACH_BUTTON = {"zh": "教我这个词", "en": "Teach me this term"}
SHORTCUT_TEACH_BUTTON = {"zh": "教我一个新词", "en": "Teach me a new term"}
VOTE_THANKS = {
    "zh": "感谢反馈！（只有你能看到；想改主意，再按一次另一个按钮。）",
    "en": "Thanks for the feedback! (Only you see this; press the other button to change it.)",
}
# An answer from an approved team term. {user}: the approver's id, shown as a mention.
TEAM_ADDITION = {
    "zh": "团队补充 · 由 <@{user}> 于 {date} 审核通过",
    "en": "团队补充 (team addition) · approved by <@{user}> on {date}",
}
TEAM_ADDITION_UNNAMED = {
    "zh": "团队补充 · {date} 审核通过",
    "en": "团队补充 (team addition) · {date}",
}

# The 👎 modal.
FEEDBACK_TITLE = {"zh": "反馈", "en": "Feedback"}
FEEDBACK_ABOUT = {
    "zh": "关于：*{title}*\n已记下你的 👎，谢谢。",
    "en": "About: *{title}*\nYour 👎 is noted, thank you.",
}
FEEDBACK_WANTED_LABEL = {"zh": "你想找的是什么？", "en": "What were you looking for?"}
FEEDBACK_WANTED_HINT = {
    "zh": "选填。只用来改进知识库，不会显示你的名字。",
    "en": "Optional. Used only to improve the knowledge base, never shown with your name.",
}
FEEDBACK_MORE_LABEL = {"zh": "还可以", "en": "You can also"}
FEEDBACK_SUGGEST_OPTION = {"zh": "建议一个更好的解释", "en": "Suggest a better explanation"}
SEND = {"zh": "发送", "en": "Send"}
CANCEL = {"zh": "取消", "en": "Cancel"}
CLOSE = {"zh": "关闭", "en": "Close"}

# The suggest / correct modal (titles and buttons: at most 24 characters, Slack's limit).
SUGGEST_TITLE = {"zh": "教我一个词", "en": "Teach me a term"}
CORRECT_TITLE = {"zh": "纠正解释", "en": "Correct a definition"}
EDIT_TITLE = {"zh": "修改后通过", "en": "Edit and approve"}
SUGGEST_SUBMIT = {"zh": "提交审核", "en": "Submit"}
APPROVE_SUBMIT = {"zh": "通过", "en": "Approve"}
SUGGEST_INTRO = {
    "zh": "提交后由知识编辑审核；通过后，大家用 `/aigc`、@我 或私信都能查到。",
    "en": "An editor reviews it; once approved, everyone can look it up with `/aigc`, "
    "a mention or a DM.",
}
CORRECT_INTRO = {
    "zh": "你在纠正：*{title}*。提交后由知识编辑审核，通过后替换现在的解释。",
    "en": "You are correcting *{title}*. An editor reviews it; once approved, it replaces "
    "the current explanation.",
}
EDIT_INTRO = {
    "zh": "建议 #{id}，<@{user}> 提交。改好后点“通过”，马上生效。",
    "en": "Suggestion #{id} from <@{user}>. Edit it, then Approve: it goes live at once.",
}
FIELD_LABELS = {
    "zh": {"zh": "中文名", "en": "Chinese name"},
    "en": {"zh": "英文名", "en": "English name"},
    "abbr": {"zh": "缩写", "en": "Abbreviation"},
    "aliases": {"zh": "别名和日常说法", "en": "Aliases and everyday phrasings"},
    "definition": {"zh": "解释", "en": "Definition"},
    "theme": {"zh": "主题", "en": "Theme"},
    "section_id": {"zh": "相关文章段落", "en": "Related article heading"},
}
NAME_HINT = {
    "zh": "中文名和英文名至少填一个。",
    "en": "Give a Chinese name, an English name, or both.",
}
ALIASES_HINT = {
    "zh": "每行一个，或用逗号、顿号分开：大家平时怎么叫它、怎么问它。",
    "en": "One per line, or separated by commas: what people call it and how they ask.",
}
DEFINITION_HINT = {
    "zh": "最多 {limit} 字，第一句话先说它是什么。",
    "en": "At most {limit} characters; say what it is in the first sentence.",
}
PICK_ONE = {"zh": "请选择", "en": "Choose one"}
# Why a field of the suggest modal was refused (knowledge.overlay.check_term's codes), shown
# under that field. {detail}: what check_term names (the entry that owns a name ...).
TERM_PROBLEMS = {
    "required": {"zh": "这一项必填。", "en": "This is required."},
    "name_required": {
        "zh": "中文名和英文名至少填一个。",
        "en": "Give a Chinese name or an English name.",
    },
    "too_long": {"zh": "太长了{limit}：{name}", "en": "Too long{limit}: {name}"},
    "too_short": {
        "zh": "名字至少要 2 个字：{name}",
        "en": "A name needs at least 2 characters: {name}",
    },
    "too_many": {"zh": "别名最多 {limit} 个。", "en": "At most {limit} aliases."},
    "empty_name": {"zh": "名字里要有文字或字母。", "en": "A name needs letters or characters."},
    "name_taken": {
        "zh": "“{name}”已经是“{owner}”的名字。想改它的解释，请在它的答案下点“纠正”。",
        "en": "“{name}” is already a name of “{owner}”. To change its explanation, press "
        "“Correct it” under its answer.",
    },
    "duplicate_name": {
        "zh": "同一个名字填了两次：{name}",
        "en": "The same name is given twice: {name}",
    },
    "asks_question": {
        "zh": "别名是它的名字或说法，不要写成提问：{name}",
        "en": "An alias names the thing; don't phrase it as a question: {name}",
    },
    "unknown_entry": {
        "zh": "要纠正的条目已不在知识库里了，请重新提问后再纠正。",
        "en": "The entry being corrected is no longer in the knowledge base; ask again first.",
    },
    "unknown_theme": {"zh": "请从列表里选一个主题。", "en": "Pick a theme from the list."},
    "unknown_section": {
        "zh": "这个段落已不在知识库里，请重新选。",
        "en": "That heading is no longer in the knowledge base; pick another.",
    },
    "unsafe_text": {
        "zh": "不能包含 @提及、频道提醒（@channel）、链接标记或控制字符。",
        "en": "No mentions, channel alerts (@channel), link markup or control characters.",
    },
    "other": {"zh": "这一项不符合要求（{code}）。", "en": "This field is not valid ({code})."},
}
TERM_PROBLEMS["question_phrase"] = TERM_PROBLEMS["asks_question"]
TOO_LONG_LIMIT = {"zh": "（最多 {limit} 字）", "en": " (at most {limit} characters)"}
SUGGESTION_SUBMITTED = {
    "zh": "已提交，等待编辑审核（建议 #{id}：{name}）。审核结果我会私信告诉你。",
    "en": "Submitted, waiting for an editor's review (suggestion #{id}: {name}). "
    "I'll DM you the outcome.",
}
SUGGESTION_APPROVED_DM = {
    "zh": "你的建议 #{id}“{name}”已由 <@{editor}> 审核通过，现在就能查到：`/aigc {name}`。",
    "en": "Your suggestion #{id} “{name}” was approved by <@{editor}>; look it up now: "
    "`/aigc {name}`.",
}
SUGGESTION_EDITED_NOTE = {
    "zh": "（编辑在通过前做了修改。）",
    "en": "(The editor made changes before approving it.)",
}
SUGGESTION_REJECTED_DM = {
    "zh": "你的建议 #{id}“{name}”没有通过 <@{editor}> 的审核。原因：{reason}",
    "en": "Your suggestion #{id} “{name}” was not approved by <@{editor}>. Reason: {reason}",
}
REVIEW_NOT_EDITOR = {
    "zh": "只有知识编辑（KNOWLEDGE_EDITORS）能审核建议。",
    "en": "Only knowledge editors (KNOWLEDGE_EDITORS) can review suggestions.",
}
REVIEW_ALREADY_DECIDED = {
    "zh": "建议 #{id} 已经有人处理过了，首页已刷新。",
    "en": "Suggestion #{id} was already decided; your Home is refreshed.",
}
REVIEW_GONE = {"zh": "找不到建议 #{id}。", "en": "Suggestion #{id} was not found."}
REVIEW_APPROVED = {
    "zh": "已通过建议 #{id}“{name}”，几秒内在本工作区生效，并已私信告诉提交人。",
    "en": "Approved suggestion #{id} “{name}”: live in this workspace within seconds; the "
    "submitter has been told.",
}
REVIEW_REJECTED = {
    "zh": "已拒绝建议 #{id}“{name}”，并已私信告诉提交人原因。",
    "en": "Rejected suggestion #{id} “{name}”; the submitter has been told why.",
}
REJECT_TITLE = {"zh": "拒绝建议", "en": "Reject suggestion"}
REJECT_SUBMIT = {"zh": "拒绝", "en": "Reject"}
REJECT_REASON_LABEL = {"zh": "原因（会私信给提交人）", "en": "Reason (sent to the submitter)"}
REJECT_ABOUT = {"zh": "建议 #{id}：*{name}*", "en": "Suggestion #{id}: *{name}*"}
TEACH_USAGE = {
    "zh": "用法：`/aigc teach [术语]`，打开表单教我一个新词。",
    "en": "Usage: `/aigc teach [term]` opens a form to teach me a new term.",
}
MODAL_FAILED = {
    "zh": "没能打开表单（Slack 拒绝了，可能是点得太久之前）。请再试一次。",
    "en": "I couldn't open the form (Slack refused it; the click may be too old). "
    "Please try again.",
}

# App Home: the review queue (editors only), how to name editors, answer feedback counts.
HOME_REVIEW_TITLE = "待审核的建议 / Suggestions to review"
HOME_REVIEW_NONE = "没有待审核的建议。/ Nothing to review right now."
HOME_REVIEW_MORE = "还有 {count} 条，处理完上面的再来看。/ {count} more after these."
HOME_REVIEW_NEW = "新术语 / New term"
HOME_REVIEW_CORRECTION = "纠正 / Correction: *{title}*"
HOME_REVIEW_BY = "#{id} · <@{user}> 提交 / submitted · {date} · {origin}"
HOME_REVIEW_UNCHANGED = "（和现在的解释一样）/ (same as now)"
REVIEW_ORIGINS = {
    "no_answer": "没答上的问题 / unanswered question",
    "correct": "纠正按钮 / Correct button",
    "teach": "/aigc teach",
    "shortcut": "消息快捷方式 / message shortcut",
    "feedback": "👎 反馈 / 👎 feedback",
    "report": "每周报告 / weekly report",
}
APPROVE_BUTTON = "通过 / Approve"
EDIT_APPROVE_BUTTON = "修改后通过 / Edit & approve"
REJECT_BUTTON = "拒绝 / Reject"
HOME_NO_EDITORS = (
    "*还没有指定知识编辑* / *No knowledge editors yet*\n"
    "大家提交的建议会排队等待审核（现在 {count} 条）。请管理员设置环境变量 `KNOWLEDGE_EDITORS`："
    "Slack 用户 ID 和/或用户组，用逗号分开，例如 `KNOWLEDGE_EDITORS=U012ABCDEF,@ai-editors`，"
    "然后重启应用。\n"
    "Suggestions wait in the queue ({count} now). An admin sets `KNOWLEDGE_EDITORS` to Slack "
    "user ids and/or user groups, comma-separated (e.g. `U012ABCDEF,@ai-editors`), and "
    "restarts the app."
)
HOME_VOTES_TITLE = "答案反馈 / Answer feedback"
HOME_VOTES_NONE = "还没有人评价过答案。/ No votes on answers yet."
VOTE_COUNTS = "👍 {up} · 👎 {down}"
STATS_VOTES = "答案反馈（👎 最多的在前，只有次数）"

# The editors' weekly knowledge-gap report (bot/gap_report.py): a DM to each editor, who may
# read either language, so every line says it in both.
GAP_REPORT_TITLE = "知识缺口周报 · {date} / Weekly knowledge gaps"
GAP_REPORT_INTRO = (
    "过去 7 天（{start} 至 {end}）。问题只统计公开频道里至少 {askers} 人问过的。"
    "点按钮打开预先填好的建议表单，提交后照常在 App Home 审核。\n"
    "The last 7 days ({start} to {end}). Questions: public channels only, asked by at least "
    "{askers} people. A button opens the suggest form, filled in; what you submit is reviewed "
    "in App Home as usual."
)
GAP_REPORT_TOPICS = "*没答上的问题* / *Questions the bot could not answer*"
GAP_REPORT_DISLIKED = "*👎 最多的答案* / *Answers with the most 👎*"
GAP_REPORT_PENDING = (
    "*待审核的建议：{count} 条* — 在 AIGC 知识助手的「主页」(App Home) 标签里审核。\n"
    "*{count} suggestion(s) waiting* — review them in the app's Home tab."
)
GAP_REPORT_TEXT = (
    "知识缺口周报：{topics} 个没答上的问题，{disliked} 个被 👎 的答案，{pending} 条待审核建议。"
    " / Weekly knowledge gaps: {topics} unanswered, {disliked} 👎, {pending} waiting."
)
GAP_REPORT_TEACH_BUTTON = "教我这个词 / Teach it"
GAP_REPORT_CORRECT_BUTTON = "纠正 / Correct it"
GAP_REPORT_SUGGEST_BUTTON = "补充一个词 / Add a term"
GAP_REPORT_FOOTER = (
    "每周发给知识编辑（KNOWLEDGE_EDITORS）；时间由 KNOWLEDGE_REPORT_AT 设置。"
    " / Sent weekly to the knowledge editors; KNOWLEDGE_REPORT_AT sets when."
)
