"""Words of the administrator's console for the lifecycle of users, clients, organisations and enterprises (#18)."""

from __future__ import annotations

from domain.identity.roles import BUILTIN_ROLES
from ui.i18n import TEXT as CONSOLE_TEXT

TEXT: dict[str, tuple[str, str]] = {
    "idm_manage": ("管理", "Manage"),
    "idm_user": ("用户", "User"),
    "idm_client": ("接口客户端", "API client"),
    "idm_organisation": ("单位组织", "Organisation"),
    "idm_enterprise": ("企业", "Enterprise"),
    "idm_status": ("状态", "Status"),
    "idm_active": ("启用", "active"),
    "idm_disabled": ("已停用", "disabled"),
    "idm_locked": ("登录已锁定", "login locked"),
    "idm_must_change": ("须修改密码", "must change password"),
    "idm_revoked": ("已吊销", "revoked"),
    "idm_reason": ("原因", "Reason"),
    "idm_change_roles": ("修改角色", "Change roles"),
    "idm_disable": ("停用", "Disable"),
    "idm_enable": ("启用", "Enable"),
    "idm_reset_password": ("重置密码", "Reset password"),
    "idm_unlock": ("解除锁定", "Unlock"),
    "idm_revoke": ("吊销", "Revoke"),
    "idm_rotate": ("更换密钥", "Rotate secret"),
    "idm_overlap_hours": ("旧密钥继续有效（小时）", "Old one keeps working (hours)"),
    "idm_edit": ("修改", "Edit"),
    "idm_contact": ("联系方式", "Contact"),
    "idm_renew": ("证书续期", "Renew certificate"),
    "idm_renew_help": ("新密钥在重叠期结束时接替签名；此前仍由当前密钥签名，两者签名均可验证。不上传文件则生成新密钥。",
                       "The new key takes over signing when the overlap ends; until then the current key signs, and "
                       "both keys' signatures verify. Without files a new key is generated."),
    "idm_renewal_pending": ("已安排续期：新密钥 {key_id} 于 {at} 接替签名",
                            "Renewal scheduled: key {key_id} signs from {at}"),
    "idm_key": ("签名密钥", "Signing key"),
    "idm_history": ("变更历史", "History"),
    "idm_event": ("事件", "Event"),
    "idm_by": ("操作人", "By"),
    "idm_changes": ("内容", "Changes"),
    "idm_temporary_password": ("临时密码（只显示这一次，用户下次登录时必须修改）：",
                               "Temporary password (shown only this once; the user must change it at next login):"),
    "idm_new_secret": ("新密钥（只显示这一次）：", "New secret (shown only this once):"),
    "idm_must_change_notice": ("管理员已重置您的密码。请先设置新密码，之后才能使用其他功能。",
                               "An administrator reset your password. Choose a new one before anything else."),
    "idm_back": ("返回管理员控制台", "Back to the administrator console"),
    "idm_refused": ("无权操作", "Not allowed"),
    "idm_refused_permission": ("您没有执行此操作的权限：", "You do not have the permission this needs:"),
    "idm_refused_csrf": ("页面已过期（安全校验失败），请刷新页面后重试。",
                         "The page expired (security check failed): reload the page and try again."),
    "idm_not_found": ("未找到，或您无权查看。", "Not found, or not yours to see."),
    "idm_details": ("详情", "Details"),
    "idm_no_actions": ("您无权管理此用户。", "You may not manage this user."),
}

TEXT.update({f"role_{name}": (zh, en) for name, (zh, en, _, _) in BUILTIN_ROLES.items()})  # role_platform_admin ...
CONSOLE_TEXT.update(TEXT)  # the consoles' words gain these when the identity routers load (ui/routers/identity)
