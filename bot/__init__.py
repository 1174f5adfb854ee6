"""AIGC 知识助手: the Slack app around the knowledge engine."""
