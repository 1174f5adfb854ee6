"""Words that carry no topic: question words, particles, pronouns, common English glue.

They are dropped from both the index and queries, so "AIGC 市场规模有多大" is matched on
"aigc 市场规模" alone and a question's wording never decides which entry answers it.
"""

_ZH = """
的 了 是 在 和 与 及 或 也 都 就 而 又 还 并 把 被 让 给 对 于 从 向 以 为 之 其 这 那 这些 那些 这个 那个
这种 那种 此 该 各 每 某 本 个 种 些 一 一个 一种 一些 有 没有 没 无 不 很 更 最 太 挺 非常 比较 已经 正在
吗 呢 吧 啊 呀 嘛 哦 哈 么 啥 咋 嗯 呗 哇 喔
什么 什么样 怎么 怎么样 怎样 如何 为什么 为何 哪 哪些 哪个 哪里 哪儿 多少 多大 几 几个 几种 谁 是否 是不是
有没有 能否 能不能 可不可以 会不会 要不要 多久 多长
我 我们 你 你们 他 她 它 他们 她们 它们 咱们 大家 自己 您
请 请问 麻烦 谢谢 一下 下 想 想要 知道 告诉 问 问下 问一下 说说 讲讲 解释 介绍 简单 具体 详细 请教 了解
能 会 可以 可能 应该 需要 要 得 地 着 过 来 去 上 里 中 等 等等 啦 而且 但是 但 所以 因为 如果 然后 以及
用来 拿来 用作 专门 这类 那类 之类 这样 那样 一下子 有点 一点 一些 某些
一张 一段 一篇 一份 一块 一句 一条 一款 一家
相比 相比之下 比起 相较 相较于
意思 含义 定义 指 叫 叫做 称为 所谓 东西 问题 一般 主要 目前 现在 当前
"""

_EN = """
a an the is are was were be been being am do does did doing have has had having
what whats what's which who whom whose when where why how
i me my we our you your he him his she her it its they them their this that these those
of in on at to for from by with about as into through over under and or but if then so
can could should would will shall may might must not no yes please tell explain define meaning mean
means definition there here any some all much many big
"""

STOPWORDS: frozenset[str] = frozenset(_ZH.split()) | frozenset(_EN.split())
