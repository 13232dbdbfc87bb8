"""Permissions, named after the features of FEATURES.md, and the built-in roles (A2).

A permission is "<feature>:<action>", e.g. "I3:view", "I3:declare". A principal is who acts: a user or a
machine client, with the permissions of its roles and the enterprises of its organisation (A6)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.shared.rules import FieldError

VIEW, DECLARE, MANAGE = "view", "declare", "manage"
SELF = "self:session"  # what every logged-in person may do: log out, change their own password
ANY_KEY = "S1:any-key"  # a platform service signing for any enterprise (#17 item 2): only its own role holds it

PERMISSIONS: dict[str, tuple[str, str]] = {
    "I1:view": ("查看海关参数", "view customs parameters"),
    "I1:manage": ("维护海关参数", "maintain customs parameters"),
    "I2:view": ("查看基础资料", "view basic data"),
    "I2:manage": ("维护基础资料", "maintain basic data"),
    "I3:view": ("查看订单", "view orders"),
    "I3:declare": ("申报订单", "declare orders"),
    "I3:view-personal": ("查看完整证件号和电话", "see buyers' whole ID numbers and phones (each view logged)"),  # #18
    "I4:view": ("查看清单", "view inventories"),
    "I4:declare": ("申报清单", "declare inventories"),
    "I5:view": ("查看撤销申请单", "view cancellations"),
    "I5:declare": ("申报撤销申请单", "declare cancellations"),
    "I6:view": ("查看退货申请单", "view returns"),
    "I6:declare": ("申报退货申请单", "declare returns"),
    "I7:view": ("查看电子税单", "view electronic tax bills"),
    "I8:view": ("查看运单", "view waybills"),
    "I8:declare": ("申报运单", "declare waybills"),
    "I9:view": ("查看物流签收单", "view delivery receipts"),
    "I9:declare": ("申报物流签收单", "declare delivery receipts"),
    "I10:view": ("查看支付单", "view payments"),
    "I10:declare": ("申报支付单", "declare payments"),
    "I11:view": ("查看入库明细单", "view warehouse entries"),
    "I11:declare": ("申报入库明细单", "declare warehouse entries"),
    "I12:view": ("综合查询", "general query"),
    "I13:view": ("查看支付原始数据", "view real-time payment data"),
    "I13:manage": ("上传支付原始数据", "upload real-time payment data"),
    "E1:view": ("查看出口订单/订仓单", "view export orders and bookings"),
    "E1:declare": ("申报出口订单/订仓单", "declare export orders and bookings"),
    "E2:view": ("查看出口清单", "view export inventories"),
    "E2:declare": ("申报出口清单", "declare export inventories"),
    "E3:view": ("查看汇总申请单", "view summary applications"),
    "E3:declare": ("申报汇总申请单", "declare summary applications"),
    "E4:view": ("查看出口撤销申请单", "view export cancellations"),
    "E4:declare": ("申报出口撤销申请单", "declare export cancellations"),
    "E5:view": ("查看出口退货申请单", "view export returns"),
    "E5:declare": ("申报出口退货申请单/理货明细", "declare export returns and tallies"),
    "E6:view": ("查看出口运单", "view export waybills"),
    "E6:declare": ("申报出口运单", "declare export waybills"),
    "E7:view": ("查看清单总分单", "view master/sub waybill bags"),
    "E7:declare": ("申报清单总分单", "declare master/sub waybill bags"),
    "E8:view": ("查看离境单", "view departures"),
    "E8:declare": ("申报离境单", "declare departures"),
    "E9:view": ("查看收款单", "view receipts of payment"),
    "E9:declare": ("申报收款单", "declare receipts of payment"),
    "E10:view": ("查看运抵单", "view arrivals"),
    "E10:declare": ("申报运抵单", "declare arrivals"),
    "E11:view": ("出口综合查询", "export general query"),
    "A1:manage": ("管理单位组织", "manage organisations"),
    "A2:manage": ("管理角色", "manage roles"),
    "A3:manage": ("管理用户", "manage users"),
    "A4:view": ("查看系统日志", "view the system log"),
    "A5:manage": ("管理企业", "manage enterprises"),
    "A6:manage": ("管理接口客户端", "manage API clients"),
    "A9:signing-audit": ("查看签名审计（密钥使用记录）", "view the signing audit (every use of a signing key)"),
    "B1:view": ("查看历史", "view document history"),
    "B2:verify": ("核验防篡改链", "verify the tamper-evidence chain"),
    "B4:read": ("读取BI数据", "read BI read models"),
    "B4:view": ("查看数据统计", "view dashboards"),
    "S1:sign": ("调用签名服务", "use the signing service"),
    ANY_KEY: ("使用任何企业的签名密钥", "use any enterprise's signing key"),
    "X5:view": ("查看报文跟踪与节点状态", "view message tracking and the customs node link"),
    "X5:manage": ("处理死信报文、修改节点配置", "resend or discard dead letters, configure the customs node link"),
}

# what an e-commerce enterprise declares and sees: orders, inventories, cancellations, returns, tax bills, query
ECOMMERCE = ("I3:view", "I3:declare", "I4:view", "I4:declare", "I5:view", "I5:declare", "I6:view", "I6:declare",
             "I7:view", "I12:view", "E1:view", "E1:declare", "E2:view", "E2:declare", "E3:view", "E3:declare",
             "E4:view", "E4:declare", "E5:view", "E5:declare", "E11:view")

BUILTIN_ROLES: dict[str, tuple[str, str, frozenset[str], bool]] = {
    # name: (zh, en, permissions, sees every organisation's documents)
    # ANY_KEY is held by signing_platform_service alone: check_grant lets only a holder grant it, so no
    # administrator can give a client every enterprise's keys by accident
    "platform_admin": ("平台管理员", "Platform administrator", frozenset(PERMISSIONS) - {ANY_KEY}, True),
    "enterprise_admin": ("企业管理员", "Enterprise administrator",
                         frozenset({"A3:manage", "A4:view", "I1:view", "I2:view", "I3:view-personal", *ECOMMERCE}),
                         False),
    "declarant_ecommerce": ("电商企业申报员", "E-commerce declarant",
                            frozenset({"I1:view", "I2:view", *ECOMMERCE}), False),
    "declarant_logistics": ("物流企业申报员", "Logistics declarant",
                            frozenset({"I1:view", "I2:view", "I8:view", "I8:declare", "I9:view", "I9:declare",
                                       "I12:view", "E6:view", "E6:declare", "E7:view", "E7:declare", "E8:view",
                                       "E8:declare", "E11:view"}), False),
    "declarant_payment": ("支付企业申报员", "Payment declarant",
                          frozenset({"I1:view", "I10:view", "I10:declare", "I12:view", "I13:view", "I13:manage",
                                     "E9:view", "E9:declare", "E11:view"}),
                          False),
    "declarant_site": ("监管场所申报员", "Supervised-site declarant",
                       frozenset({"I1:view", "I2:view", "I11:view", "I11:declare", "I12:view", "E10:view",
                                  "E10:declare", "E5:view", "E5:declare", "E11:view"}), False),
    "auditor": ("审计员", "Auditor",
                frozenset({p for p in PERMISSIONS if p.endswith(":view")}
                          | {"B1:view", "B2:verify", "A9:signing-audit"}), True),
    "signing_client": ("签名服务调用方", "Signing-service client", frozenset({"S1:sign"}), False),
    "signing_platform_service": ("平台签名服务调用方(任何企业)", "Platform service signing for any enterprise",
                                 frozenset({"S1:sign", ANY_KEY}), False),
    "bi_reader": ("BI读取", "BI reader", frozenset({"B4:read", "B4:view", "I3:view"}), True),
}


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user or a machine client of an organisation."""

    name: str
    organisation: str
    roles: tuple[str, ...]
    permissions: frozenset[str]
    enterprise_codes: frozenset[str] = field(default_factory=frozenset)
    sees_all: bool = False
    kind: str = "user"  # 'user' | 'client'

    def can(self, permission: str) -> bool:
        return permission == SELF or permission in self.permissions

    def may_see(self, enterprise_code: str | None) -> bool:
        """Tenancy: documents of the organisation's own enterprises only, unless the role sees everything."""
        return self.sees_all or (enterprise_code or "") in self.enterprise_codes


def permissions_of(roles: list[str] | tuple[str, ...],
                   custom: dict[str, frozenset[str]] | None = None) -> frozenset[str]:
    found: set[str] = set()
    for role in roles:
        if role in BUILTIN_ROLES:
            found |= BUILTIN_ROLES[role][2]
        elif custom and role in custom:
            found |= custom[role]
    return frozenset(found)


def sees_all(roles: list[str] | tuple[str, ...]) -> bool:
    return any(BUILTIN_ROLES.get(r, ("", "", frozenset(), False))[3] for r in roles)


def check_grant(granter: Principal, organisation: str, permissions: Iterable[str], every_organisation: bool,
                field: str = "roles") -> list[FieldError]:
    """Nobody gives what they do not hold (A2, A3, A6): a user's roles, an API client's roles or a custom role's
    permissions may hold only permissions the granter holds; a role that sees every organisation only comes from
    a granter who sees every organisation; and a granter who does not acts for its own organisation only."""
    errors = []
    missing = sorted(set(permissions) - granter.permissions)
    if missing:
        errors.append(FieldError(field, "grant_exceeds", f"不能授予自己没有的权限 {', '.join(missing)}",
                                 f"you cannot grant permissions you do not hold: {', '.join(missing)}"))
    if every_organisation and not granter.sees_all:
        errors.append(FieldError(field, "grant_sees_all", "不能授予可查看所有单位数据的角色",
                                 "you cannot grant a role that sees every organisation"))
    if organisation != granter.organisation and not granter.sees_all:
        errors.append(FieldError("organisation", "grant_organisation", f"只能为本单位 {granter.organisation} 授权",
                                 f"you act for your own organisation {granter.organisation} only", organisation))
    return errors
