from __future__ import annotations

from pkgutil import extend_path
__path__ = extend_path(__path__, __name__)

import abc
import builtins
import datetime
import enum
import typing

import jsii
import publication
import typing_extensions

from jsii._type_checking import cached_type_hints, check_type


from ._jsii import *

class _LazyImport:
    def __init__(self, module_name: str) -> None:
        self._module_name = module_name
        self._module: typing.Any = None
    def __getattr__(self, name: str) -> typing.Any:
        if self._module is None:
            import importlib
            self._module = importlib.import_module(self._module_name)
        return getattr(self._module, name)

if typing.TYPE_CHECKING:

    import cdk8s as _cdk8s_d3d9af27
    import constructs as _constructs_77d1e7e8
else:

    _cdk8s_d3d9af27 = _LazyImport("cdk8s")
    _constructs_77d1e7e8 = _LazyImport("constructs")


class AuthorizationPolicy(
    _cdk8s_d3d9af27.ApiObject,
    metaclass=jsii.JSIIMeta,
    jsii_type="istio_ioistiosecurity.AuthorizationPolicy",
):
    '''
    :schema: AuthorizationPolicy
    '''

    def __init__(
        self,
        scope: "_constructs_77d1e7e8.Construct",
        id: builtins.str,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["AuthorizationPolicySpec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Defines a "AuthorizationPolicy" API object.

        :param scope: the scope in which to define this object.
        :param id: a scope-local name for the object.
        :param metadata: 
        :param spec: Configuration for access control on workloads. See more details at: https://istio.io/docs/reference/config/security/authorization-policy.html
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__45c6a12839c186f36bddd2dfc148e7e7b3b5dd88a792eaebed91abc0d16f4071)
            check_type(argname="argument scope", value=scope, expected_type=type_hints["scope"])
            check_type(argname="argument id", value=id, expected_type=type_hints["id"])
        props = AuthorizationPolicyProps(metadata=metadata, spec=spec)

        jsii.create(self.__class__, self, [scope, id, props])

    @jsii.member(jsii_name="manifest")
    @builtins.classmethod
    def manifest(
        cls,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["AuthorizationPolicySpec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> typing.Any:
        '''Renders a Kubernetes manifest for "AuthorizationPolicy".

        This can be used to inline resource manifests inside other objects (e.g. as templates).

        :param metadata: 
        :param spec: Configuration for access control on workloads. See more details at: https://istio.io/docs/reference/config/security/authorization-policy.html
        '''
        props = AuthorizationPolicyProps(metadata=metadata, spec=spec)

        return typing.cast(typing.Any, jsii.sinvoke(cls, "manifest", [props]))

    @jsii.member(jsii_name="toJson")
    def to_json(self) -> typing.Any:
        '''Renders the object to Kubernetes JSON.'''
        return typing.cast(typing.Any, jsii.invoke(self, "toJson", []))

    @jsii.python.classproperty
    @jsii.member(jsii_name="GVK")
    def GVK(cls) -> "_cdk8s_d3d9af27.GroupVersionKind":
        '''Returns the apiVersion and kind for "AuthorizationPolicy".'''
        return typing.cast("_cdk8s_d3d9af27.GroupVersionKind", jsii.sget(cls, "GVK"))


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicyProps",
    jsii_struct_bases=[],
    name_mapping={"metadata": "metadata", "spec": "spec"},
)
class AuthorizationPolicyProps:
    def __init__(
        self,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["AuthorizationPolicySpec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''
        :param metadata: 
        :param spec: Configuration for access control on workloads. See more details at: https://istio.io/docs/reference/config/security/authorization-policy.html

        :schema: AuthorizationPolicy
        '''
        if isinstance(metadata, dict):
            metadata = _cdk8s_d3d9af27.ApiObjectMetadata(**metadata)
        if isinstance(spec, dict):
            spec = AuthorizationPolicySpec(**spec)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__3e3d1e395bf50fc02ddf5812ad91b3e3b15d1c986f208b83a1e2b6d0946345f0)
            check_type(argname="argument metadata", value=metadata, expected_type=type_hints["metadata"])
            check_type(argname="argument spec", value=spec, expected_type=type_hints["spec"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if metadata is not None:
            self._values["metadata"] = metadata
        if spec is not None:
            self._values["spec"] = spec

    @builtins.property
    def metadata(self) -> typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"]:
        '''
        :schema: AuthorizationPolicy#metadata
        '''
        result = self._values.get("metadata")
        return typing.cast(typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"], result)

    @builtins.property
    def spec(self) -> typing.Optional["AuthorizationPolicySpec"]:
        '''Configuration for access control on workloads.

        See more details at: https://istio.io/docs/reference/config/security/authorization-policy.html

        :schema: AuthorizationPolicy#spec
        '''
        result = self._values.get("spec")
        return typing.cast(typing.Optional["AuthorizationPolicySpec"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicyProps(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicySpec",
    jsii_struct_bases=[],
    name_mapping={
        "action": "action",
        "provider": "provider",
        "rules": "rules",
        "selector": "selector",
        "target_ref": "targetRef",
        "target_refs": "targetRefs",
    },
)
class AuthorizationPolicySpec:
    def __init__(
        self,
        *,
        action: typing.Optional["AuthorizationPolicySpecAction"] = None,
        provider: typing.Optional[typing.Union["AuthorizationPolicySpecProvider", typing.Dict[builtins.str, typing.Any]]] = None,
        rules: typing.Optional[typing.Sequence[typing.Union["AuthorizationPolicySpecRules", typing.Dict[builtins.str, typing.Any]]]] = None,
        selector: typing.Optional[typing.Union["AuthorizationPolicySpecSelector", typing.Dict[builtins.str, typing.Any]]] = None,
        target_ref: typing.Optional[typing.Union["AuthorizationPolicySpecTargetRef", typing.Dict[builtins.str, typing.Any]]] = None,
        target_refs: typing.Optional[typing.Sequence[typing.Union["AuthorizationPolicySpecTargetRefs", typing.Dict[builtins.str, typing.Any]]]] = None,
    ) -> None:
        '''Configuration for access control on workloads.

        See more details at: https://istio.io/docs/reference/config/security/authorization-policy.html

        :param action: Optional. Valid Options: ALLOW, DENY, AUDIT, CUSTOM
        :param provider: Specifies detailed configuration of the CUSTOM action.
        :param rules: Optional.
        :param selector: Optional.
        :param target_ref: 
        :param target_refs: Optional.

        :schema: AuthorizationPolicySpec
        '''
        if isinstance(provider, dict):
            provider = AuthorizationPolicySpecProvider(**provider)
        if isinstance(selector, dict):
            selector = AuthorizationPolicySpecSelector(**selector)
        if isinstance(target_ref, dict):
            target_ref = AuthorizationPolicySpecTargetRef(**target_ref)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__7a69766e620ea87828fa2b98773d7771e3678646dc1471b35c77ff10a451a6ec)
            check_type(argname="argument action", value=action, expected_type=type_hints["action"])
            check_type(argname="argument provider", value=provider, expected_type=type_hints["provider"])
            check_type(argname="argument rules", value=rules, expected_type=type_hints["rules"])
            check_type(argname="argument selector", value=selector, expected_type=type_hints["selector"])
            check_type(argname="argument target_ref", value=target_ref, expected_type=type_hints["target_ref"])
            check_type(argname="argument target_refs", value=target_refs, expected_type=type_hints["target_refs"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if action is not None:
            self._values["action"] = action
        if provider is not None:
            self._values["provider"] = provider
        if rules is not None:
            self._values["rules"] = rules
        if selector is not None:
            self._values["selector"] = selector
        if target_ref is not None:
            self._values["target_ref"] = target_ref
        if target_refs is not None:
            self._values["target_refs"] = target_refs

    @builtins.property
    def action(self) -> typing.Optional["AuthorizationPolicySpecAction"]:
        '''Optional.

        Valid Options: ALLOW, DENY, AUDIT, CUSTOM

        :schema: AuthorizationPolicySpec#action
        '''
        result = self._values.get("action")
        return typing.cast(typing.Optional["AuthorizationPolicySpecAction"], result)

    @builtins.property
    def provider(self) -> typing.Optional["AuthorizationPolicySpecProvider"]:
        '''Specifies detailed configuration of the CUSTOM action.

        :schema: AuthorizationPolicySpec#provider
        '''
        result = self._values.get("provider")
        return typing.cast(typing.Optional["AuthorizationPolicySpecProvider"], result)

    @builtins.property
    def rules(self) -> typing.Optional[typing.List["AuthorizationPolicySpecRules"]]:
        '''Optional.

        :schema: AuthorizationPolicySpec#rules
        '''
        result = self._values.get("rules")
        return typing.cast(typing.Optional[typing.List["AuthorizationPolicySpecRules"]], result)

    @builtins.property
    def selector(self) -> typing.Optional["AuthorizationPolicySpecSelector"]:
        '''Optional.

        :schema: AuthorizationPolicySpec#selector
        '''
        result = self._values.get("selector")
        return typing.cast(typing.Optional["AuthorizationPolicySpecSelector"], result)

    @builtins.property
    def target_ref(self) -> typing.Optional["AuthorizationPolicySpecTargetRef"]:
        '''
        :schema: AuthorizationPolicySpec#targetRef
        '''
        result = self._values.get("target_ref")
        return typing.cast(typing.Optional["AuthorizationPolicySpecTargetRef"], result)

    @builtins.property
    def target_refs(
        self,
    ) -> typing.Optional[typing.List["AuthorizationPolicySpecTargetRefs"]]:
        '''Optional.

        :schema: AuthorizationPolicySpec#targetRefs
        '''
        result = self._values.get("target_refs")
        return typing.cast(typing.Optional[typing.List["AuthorizationPolicySpecTargetRefs"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicySpec(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(jsii_type="istio_ioistiosecurity.AuthorizationPolicySpecAction")
class AuthorizationPolicySpecAction(enum.Enum):
    '''Optional.

    Valid Options: ALLOW, DENY, AUDIT, CUSTOM

    :schema: AuthorizationPolicySpecAction
    '''

    ALLOW = "ALLOW"
    '''ALLOW.'''
    DENY = "DENY"
    '''DENY.'''
    AUDIT = "AUDIT"
    '''AUDIT.'''
    CUSTOM = "CUSTOM"
    '''CUSTOM.'''


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicySpecProvider",
    jsii_struct_bases=[],
    name_mapping={"name": "name"},
)
class AuthorizationPolicySpecProvider:
    def __init__(self, *, name: typing.Optional[builtins.str] = None) -> None:
        '''Specifies detailed configuration of the CUSTOM action.

        :param name: Specifies the name of the extension provider.

        :schema: AuthorizationPolicySpecProvider
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__8d77d79de75276710604d018e43a6bb8fe07278f4f9be968af583234af943c5d)
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if name is not None:
            self._values["name"] = name

    @builtins.property
    def name(self) -> typing.Optional[builtins.str]:
        '''Specifies the name of the extension provider.

        :schema: AuthorizationPolicySpecProvider#name
        '''
        result = self._values.get("name")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicySpecProvider(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicySpecRules",
    jsii_struct_bases=[],
    name_mapping={"from_": "from", "to": "to", "when": "when"},
)
class AuthorizationPolicySpecRules:
    def __init__(
        self,
        *,
        from_: typing.Optional[typing.Sequence[typing.Union["AuthorizationPolicySpecRulesFrom", typing.Dict[builtins.str, typing.Any]]]] = None,
        to: typing.Optional[typing.Sequence[typing.Union["AuthorizationPolicySpecRulesTo", typing.Dict[builtins.str, typing.Any]]]] = None,
        when: typing.Optional[typing.Sequence[typing.Union["AuthorizationPolicySpecRulesWhen", typing.Dict[builtins.str, typing.Any]]]] = None,
    ) -> None:
        '''
        :param from_: Optional.
        :param to: Optional.
        :param when: Optional.

        :schema: AuthorizationPolicySpecRules
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__a1b302b231f7653077c6c5ded5a9f0d395934418f998d68050c61e9b70914e21)
            check_type(argname="argument from_", value=from_, expected_type=type_hints["from_"])
            check_type(argname="argument to", value=to, expected_type=type_hints["to"])
            check_type(argname="argument when", value=when, expected_type=type_hints["when"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if from_ is not None:
            self._values["from_"] = from_
        if to is not None:
            self._values["to"] = to
        if when is not None:
            self._values["when"] = when

    @builtins.property
    def from_(self) -> typing.Optional[typing.List["AuthorizationPolicySpecRulesFrom"]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRules#from
        '''
        result = self._values.get("from_")
        return typing.cast(typing.Optional[typing.List["AuthorizationPolicySpecRulesFrom"]], result)

    @builtins.property
    def to(self) -> typing.Optional[typing.List["AuthorizationPolicySpecRulesTo"]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRules#to
        '''
        result = self._values.get("to")
        return typing.cast(typing.Optional[typing.List["AuthorizationPolicySpecRulesTo"]], result)

    @builtins.property
    def when(self) -> typing.Optional[typing.List["AuthorizationPolicySpecRulesWhen"]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRules#when
        '''
        result = self._values.get("when")
        return typing.cast(typing.Optional[typing.List["AuthorizationPolicySpecRulesWhen"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicySpecRules(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicySpecRulesFrom",
    jsii_struct_bases=[],
    name_mapping={"source": "source"},
)
class AuthorizationPolicySpecRulesFrom:
    def __init__(
        self,
        *,
        source: typing.Optional[typing.Union["AuthorizationPolicySpecRulesFromSource", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''
        :param source: Source specifies the source of a request.

        :schema: AuthorizationPolicySpecRulesFrom
        '''
        if isinstance(source, dict):
            source = AuthorizationPolicySpecRulesFromSource(**source)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__589183c90876f71e55cc8f1a21a9571ecdf6cf3d659d4edb0ece2f95d1933754)
            check_type(argname="argument source", value=source, expected_type=type_hints["source"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if source is not None:
            self._values["source"] = source

    @builtins.property
    def source(self) -> typing.Optional["AuthorizationPolicySpecRulesFromSource"]:
        '''Source specifies the source of a request.

        :schema: AuthorizationPolicySpecRulesFrom#source
        '''
        result = self._values.get("source")
        return typing.cast(typing.Optional["AuthorizationPolicySpecRulesFromSource"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicySpecRulesFrom(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicySpecRulesFromSource",
    jsii_struct_bases=[],
    name_mapping={
        "ip_blocks": "ipBlocks",
        "namespaces": "namespaces",
        "not_ip_blocks": "notIpBlocks",
        "not_namespaces": "notNamespaces",
        "not_principals": "notPrincipals",
        "not_remote_ip_blocks": "notRemoteIpBlocks",
        "not_request_principals": "notRequestPrincipals",
        "not_service_accounts": "notServiceAccounts",
        "not_trust_domains": "notTrustDomains",
        "principals": "principals",
        "remote_ip_blocks": "remoteIpBlocks",
        "request_principals": "requestPrincipals",
        "service_accounts": "serviceAccounts",
        "trust_domains": "trustDomains",
    },
)
class AuthorizationPolicySpecRulesFromSource:
    def __init__(
        self,
        *,
        ip_blocks: typing.Optional[typing.Sequence[builtins.str]] = None,
        namespaces: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_ip_blocks: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_namespaces: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_principals: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_remote_ip_blocks: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_request_principals: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_service_accounts: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_trust_domains: typing.Optional[typing.Sequence[builtins.str]] = None,
        principals: typing.Optional[typing.Sequence[builtins.str]] = None,
        remote_ip_blocks: typing.Optional[typing.Sequence[builtins.str]] = None,
        request_principals: typing.Optional[typing.Sequence[builtins.str]] = None,
        service_accounts: typing.Optional[typing.Sequence[builtins.str]] = None,
        trust_domains: typing.Optional[typing.Sequence[builtins.str]] = None,
    ) -> None:
        '''Source specifies the source of a request.

        :param ip_blocks: Optional.
        :param namespaces: Optional.
        :param not_ip_blocks: Optional.
        :param not_namespaces: Optional.
        :param not_principals: Optional.
        :param not_remote_ip_blocks: Optional.
        :param not_request_principals: Optional.
        :param not_service_accounts: Optional.
        :param not_trust_domains: Optional.
        :param principals: Optional.
        :param remote_ip_blocks: Optional.
        :param request_principals: Optional.
        :param service_accounts: Optional.
        :param trust_domains: Optional.

        :schema: AuthorizationPolicySpecRulesFromSource
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__aa90e95d1875b28b60b3c6fa06b1536f86f6cb613c9338f99c88e8032da88505)
            check_type(argname="argument ip_blocks", value=ip_blocks, expected_type=type_hints["ip_blocks"])
            check_type(argname="argument namespaces", value=namespaces, expected_type=type_hints["namespaces"])
            check_type(argname="argument not_ip_blocks", value=not_ip_blocks, expected_type=type_hints["not_ip_blocks"])
            check_type(argname="argument not_namespaces", value=not_namespaces, expected_type=type_hints["not_namespaces"])
            check_type(argname="argument not_principals", value=not_principals, expected_type=type_hints["not_principals"])
            check_type(argname="argument not_remote_ip_blocks", value=not_remote_ip_blocks, expected_type=type_hints["not_remote_ip_blocks"])
            check_type(argname="argument not_request_principals", value=not_request_principals, expected_type=type_hints["not_request_principals"])
            check_type(argname="argument not_service_accounts", value=not_service_accounts, expected_type=type_hints["not_service_accounts"])
            check_type(argname="argument not_trust_domains", value=not_trust_domains, expected_type=type_hints["not_trust_domains"])
            check_type(argname="argument principals", value=principals, expected_type=type_hints["principals"])
            check_type(argname="argument remote_ip_blocks", value=remote_ip_blocks, expected_type=type_hints["remote_ip_blocks"])
            check_type(argname="argument request_principals", value=request_principals, expected_type=type_hints["request_principals"])
            check_type(argname="argument service_accounts", value=service_accounts, expected_type=type_hints["service_accounts"])
            check_type(argname="argument trust_domains", value=trust_domains, expected_type=type_hints["trust_domains"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if ip_blocks is not None:
            self._values["ip_blocks"] = ip_blocks
        if namespaces is not None:
            self._values["namespaces"] = namespaces
        if not_ip_blocks is not None:
            self._values["not_ip_blocks"] = not_ip_blocks
        if not_namespaces is not None:
            self._values["not_namespaces"] = not_namespaces
        if not_principals is not None:
            self._values["not_principals"] = not_principals
        if not_remote_ip_blocks is not None:
            self._values["not_remote_ip_blocks"] = not_remote_ip_blocks
        if not_request_principals is not None:
            self._values["not_request_principals"] = not_request_principals
        if not_service_accounts is not None:
            self._values["not_service_accounts"] = not_service_accounts
        if not_trust_domains is not None:
            self._values["not_trust_domains"] = not_trust_domains
        if principals is not None:
            self._values["principals"] = principals
        if remote_ip_blocks is not None:
            self._values["remote_ip_blocks"] = remote_ip_blocks
        if request_principals is not None:
            self._values["request_principals"] = request_principals
        if service_accounts is not None:
            self._values["service_accounts"] = service_accounts
        if trust_domains is not None:
            self._values["trust_domains"] = trust_domains

    @builtins.property
    def ip_blocks(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesFromSource#ipBlocks
        '''
        result = self._values.get("ip_blocks")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def namespaces(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesFromSource#namespaces
        '''
        result = self._values.get("namespaces")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_ip_blocks(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesFromSource#notIpBlocks
        '''
        result = self._values.get("not_ip_blocks")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_namespaces(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesFromSource#notNamespaces
        '''
        result = self._values.get("not_namespaces")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_principals(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesFromSource#notPrincipals
        '''
        result = self._values.get("not_principals")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_remote_ip_blocks(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesFromSource#notRemoteIpBlocks
        '''
        result = self._values.get("not_remote_ip_blocks")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_request_principals(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesFromSource#notRequestPrincipals
        '''
        result = self._values.get("not_request_principals")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_service_accounts(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesFromSource#notServiceAccounts
        '''
        result = self._values.get("not_service_accounts")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_trust_domains(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesFromSource#notTrustDomains
        '''
        result = self._values.get("not_trust_domains")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def principals(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesFromSource#principals
        '''
        result = self._values.get("principals")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def remote_ip_blocks(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesFromSource#remoteIpBlocks
        '''
        result = self._values.get("remote_ip_blocks")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def request_principals(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesFromSource#requestPrincipals
        '''
        result = self._values.get("request_principals")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def service_accounts(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesFromSource#serviceAccounts
        '''
        result = self._values.get("service_accounts")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def trust_domains(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesFromSource#trustDomains
        '''
        result = self._values.get("trust_domains")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicySpecRulesFromSource(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicySpecRulesTo",
    jsii_struct_bases=[],
    name_mapping={"operation": "operation"},
)
class AuthorizationPolicySpecRulesTo:
    def __init__(
        self,
        *,
        operation: typing.Optional[typing.Union["AuthorizationPolicySpecRulesToOperation", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''
        :param operation: Operation specifies the operation of a request.

        :schema: AuthorizationPolicySpecRulesTo
        '''
        if isinstance(operation, dict):
            operation = AuthorizationPolicySpecRulesToOperation(**operation)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__6fccb17f582f224adc078c35a37e08af3c878d831173878ae13d4a955fc765e3)
            check_type(argname="argument operation", value=operation, expected_type=type_hints["operation"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if operation is not None:
            self._values["operation"] = operation

    @builtins.property
    def operation(self) -> typing.Optional["AuthorizationPolicySpecRulesToOperation"]:
        '''Operation specifies the operation of a request.

        :schema: AuthorizationPolicySpecRulesTo#operation
        '''
        result = self._values.get("operation")
        return typing.cast(typing.Optional["AuthorizationPolicySpecRulesToOperation"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicySpecRulesTo(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicySpecRulesToOperation",
    jsii_struct_bases=[],
    name_mapping={
        "hosts": "hosts",
        "methods": "methods",
        "not_hosts": "notHosts",
        "not_methods": "notMethods",
        "not_paths": "notPaths",
        "not_ports": "notPorts",
        "paths": "paths",
        "ports": "ports",
    },
)
class AuthorizationPolicySpecRulesToOperation:
    def __init__(
        self,
        *,
        hosts: typing.Optional[typing.Sequence[builtins.str]] = None,
        methods: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_hosts: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_methods: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_paths: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_ports: typing.Optional[typing.Sequence[builtins.str]] = None,
        paths: typing.Optional[typing.Sequence[builtins.str]] = None,
        ports: typing.Optional[typing.Sequence[builtins.str]] = None,
    ) -> None:
        '''Operation specifies the operation of a request.

        :param hosts: Optional.
        :param methods: Optional.
        :param not_hosts: Optional.
        :param not_methods: Optional.
        :param not_paths: Optional.
        :param not_ports: Optional.
        :param paths: Optional.
        :param ports: Optional.

        :schema: AuthorizationPolicySpecRulesToOperation
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__ac4fd81e8bcccf6e281ef4cde5aa9a75733026cb77593681ac79811b7085c9fc)
            check_type(argname="argument hosts", value=hosts, expected_type=type_hints["hosts"])
            check_type(argname="argument methods", value=methods, expected_type=type_hints["methods"])
            check_type(argname="argument not_hosts", value=not_hosts, expected_type=type_hints["not_hosts"])
            check_type(argname="argument not_methods", value=not_methods, expected_type=type_hints["not_methods"])
            check_type(argname="argument not_paths", value=not_paths, expected_type=type_hints["not_paths"])
            check_type(argname="argument not_ports", value=not_ports, expected_type=type_hints["not_ports"])
            check_type(argname="argument paths", value=paths, expected_type=type_hints["paths"])
            check_type(argname="argument ports", value=ports, expected_type=type_hints["ports"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if hosts is not None:
            self._values["hosts"] = hosts
        if methods is not None:
            self._values["methods"] = methods
        if not_hosts is not None:
            self._values["not_hosts"] = not_hosts
        if not_methods is not None:
            self._values["not_methods"] = not_methods
        if not_paths is not None:
            self._values["not_paths"] = not_paths
        if not_ports is not None:
            self._values["not_ports"] = not_ports
        if paths is not None:
            self._values["paths"] = paths
        if ports is not None:
            self._values["ports"] = ports

    @builtins.property
    def hosts(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesToOperation#hosts
        '''
        result = self._values.get("hosts")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def methods(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesToOperation#methods
        '''
        result = self._values.get("methods")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_hosts(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesToOperation#notHosts
        '''
        result = self._values.get("not_hosts")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_methods(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesToOperation#notMethods
        '''
        result = self._values.get("not_methods")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_paths(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesToOperation#notPaths
        '''
        result = self._values.get("not_paths")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_ports(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesToOperation#notPorts
        '''
        result = self._values.get("not_ports")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def paths(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesToOperation#paths
        '''
        result = self._values.get("paths")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def ports(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesToOperation#ports
        '''
        result = self._values.get("ports")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicySpecRulesToOperation(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicySpecRulesWhen",
    jsii_struct_bases=[],
    name_mapping={"key": "key", "not_values": "notValues", "values": "values"},
)
class AuthorizationPolicySpecRulesWhen:
    def __init__(
        self,
        *,
        key: builtins.str,
        not_values: typing.Optional[typing.Sequence[builtins.str]] = None,
        values: typing.Optional[typing.Sequence[builtins.str]] = None,
    ) -> None:
        '''
        :param key: The name of an Istio attribute.
        :param not_values: Optional.
        :param values: Optional.

        :schema: AuthorizationPolicySpecRulesWhen
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__5b3d863735c2a166b905862ff6f378567c545e4128cdf7201cfe0373be27e985)
            check_type(argname="argument key", value=key, expected_type=type_hints["key"])
            check_type(argname="argument not_values", value=not_values, expected_type=type_hints["not_values"])
            check_type(argname="argument values", value=values, expected_type=type_hints["values"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "key": key,
        }
        if not_values is not None:
            self._values["not_values"] = not_values
        if values is not None:
            self._values["values"] = values

    @builtins.property
    def key(self) -> builtins.str:
        '''The name of an Istio attribute.

        :schema: AuthorizationPolicySpecRulesWhen#key
        '''
        result = self._values.get("key")
        assert result is not None, "Required property 'key' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def not_values(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesWhen#notValues
        '''
        result = self._values.get("not_values")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def values(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicySpecRulesWhen#values
        '''
        result = self._values.get("values")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicySpecRulesWhen(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicySpecSelector",
    jsii_struct_bases=[],
    name_mapping={"match_labels": "matchLabels"},
)
class AuthorizationPolicySpecSelector:
    def __init__(
        self,
        *,
        match_labels: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,
    ) -> None:
        '''Optional.

        :param match_labels: One or more labels that indicate a specific set of pods/VMs on which a policy should be applied.

        :schema: AuthorizationPolicySpecSelector
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__8717eb9b29747e317baecb34b3a981571d2cd0d4080fd0e70c5fdefdb3797c9a)
            check_type(argname="argument match_labels", value=match_labels, expected_type=type_hints["match_labels"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if match_labels is not None:
            self._values["match_labels"] = match_labels

    @builtins.property
    def match_labels(
        self,
    ) -> typing.Optional[typing.Mapping[builtins.str, builtins.str]]:
        '''One or more labels that indicate a specific set of pods/VMs on which a policy should be applied.

        :schema: AuthorizationPolicySpecSelector#matchLabels
        '''
        result = self._values.get("match_labels")
        return typing.cast(typing.Optional[typing.Mapping[builtins.str, builtins.str]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicySpecSelector(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicySpecTargetRef",
    jsii_struct_bases=[],
    name_mapping={
        "kind": "kind",
        "name": "name",
        "group": "group",
        "namespace": "namespace",
    },
)
class AuthorizationPolicySpecTargetRef:
    def __init__(
        self,
        *,
        kind: builtins.str,
        name: builtins.str,
        group: typing.Optional[builtins.str] = None,
        namespace: typing.Optional[builtins.str] = None,
    ) -> None:
        '''
        :param kind: kind is kind of the target resource.
        :param name: name is the name of the target resource.
        :param group: group is the group of the target resource.
        :param namespace: namespace is the namespace of the referent.

        :schema: AuthorizationPolicySpecTargetRef
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__fd9980bc0b86a5586497c114e94b6a8f7f0067dc3802ebb4f5a17c4e9dbe8807)
            check_type(argname="argument kind", value=kind, expected_type=type_hints["kind"])
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument group", value=group, expected_type=type_hints["group"])
            check_type(argname="argument namespace", value=namespace, expected_type=type_hints["namespace"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "kind": kind,
            "name": name,
        }
        if group is not None:
            self._values["group"] = group
        if namespace is not None:
            self._values["namespace"] = namespace

    @builtins.property
    def kind(self) -> builtins.str:
        '''kind is kind of the target resource.

        :schema: AuthorizationPolicySpecTargetRef#kind
        '''
        result = self._values.get("kind")
        assert result is not None, "Required property 'kind' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def name(self) -> builtins.str:
        '''name is the name of the target resource.

        :schema: AuthorizationPolicySpecTargetRef#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def group(self) -> typing.Optional[builtins.str]:
        '''group is the group of the target resource.

        :schema: AuthorizationPolicySpecTargetRef#group
        '''
        result = self._values.get("group")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def namespace(self) -> typing.Optional[builtins.str]:
        '''namespace is the namespace of the referent.

        :schema: AuthorizationPolicySpecTargetRef#namespace
        '''
        result = self._values.get("namespace")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicySpecTargetRef(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicySpecTargetRefs",
    jsii_struct_bases=[],
    name_mapping={
        "kind": "kind",
        "name": "name",
        "group": "group",
        "namespace": "namespace",
    },
)
class AuthorizationPolicySpecTargetRefs:
    def __init__(
        self,
        *,
        kind: builtins.str,
        name: builtins.str,
        group: typing.Optional[builtins.str] = None,
        namespace: typing.Optional[builtins.str] = None,
    ) -> None:
        '''
        :param kind: kind is kind of the target resource.
        :param name: name is the name of the target resource.
        :param group: group is the group of the target resource.
        :param namespace: namespace is the namespace of the referent.

        :schema: AuthorizationPolicySpecTargetRefs
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__cb8c95ec1c1db6043a7903e0e7354f5566dc83c186dac140d48fa16ada6fd332)
            check_type(argname="argument kind", value=kind, expected_type=type_hints["kind"])
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument group", value=group, expected_type=type_hints["group"])
            check_type(argname="argument namespace", value=namespace, expected_type=type_hints["namespace"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "kind": kind,
            "name": name,
        }
        if group is not None:
            self._values["group"] = group
        if namespace is not None:
            self._values["namespace"] = namespace

    @builtins.property
    def kind(self) -> builtins.str:
        '''kind is kind of the target resource.

        :schema: AuthorizationPolicySpecTargetRefs#kind
        '''
        result = self._values.get("kind")
        assert result is not None, "Required property 'kind' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def name(self) -> builtins.str:
        '''name is the name of the target resource.

        :schema: AuthorizationPolicySpecTargetRefs#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def group(self) -> typing.Optional[builtins.str]:
        '''group is the group of the target resource.

        :schema: AuthorizationPolicySpecTargetRefs#group
        '''
        result = self._values.get("group")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def namespace(self) -> typing.Optional[builtins.str]:
        '''namespace is the namespace of the referent.

        :schema: AuthorizationPolicySpecTargetRefs#namespace
        '''
        result = self._values.get("namespace")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicySpecTargetRefs(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


class AuthorizationPolicyV1Beta1(
    _cdk8s_d3d9af27.ApiObject,
    metaclass=jsii.JSIIMeta,
    jsii_type="istio_ioistiosecurity.AuthorizationPolicyV1Beta1",
):
    '''
    :schema: AuthorizationPolicyV1Beta1
    '''

    def __init__(
        self,
        scope: "_constructs_77d1e7e8.Construct",
        id: builtins.str,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["AuthorizationPolicyV1Beta1Spec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Defines a "AuthorizationPolicyV1Beta1" API object.

        :param scope: the scope in which to define this object.
        :param id: a scope-local name for the object.
        :param metadata: 
        :param spec: Configuration for access control on workloads. See more details at: https://istio.io/docs/reference/config/security/authorization-policy.html
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__2a4d74664d109bd838af2a36104eb3ab3e442079feea0670e6eaf1661b7ba991)
            check_type(argname="argument scope", value=scope, expected_type=type_hints["scope"])
            check_type(argname="argument id", value=id, expected_type=type_hints["id"])
        props = AuthorizationPolicyV1Beta1Props(metadata=metadata, spec=spec)

        jsii.create(self.__class__, self, [scope, id, props])

    @jsii.member(jsii_name="manifest")
    @builtins.classmethod
    def manifest(
        cls,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["AuthorizationPolicyV1Beta1Spec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> typing.Any:
        '''Renders a Kubernetes manifest for "AuthorizationPolicyV1Beta1".

        This can be used to inline resource manifests inside other objects (e.g. as templates).

        :param metadata: 
        :param spec: Configuration for access control on workloads. See more details at: https://istio.io/docs/reference/config/security/authorization-policy.html
        '''
        props = AuthorizationPolicyV1Beta1Props(metadata=metadata, spec=spec)

        return typing.cast(typing.Any, jsii.sinvoke(cls, "manifest", [props]))

    @jsii.member(jsii_name="toJson")
    def to_json(self) -> typing.Any:
        '''Renders the object to Kubernetes JSON.'''
        return typing.cast(typing.Any, jsii.invoke(self, "toJson", []))

    @jsii.python.classproperty
    @jsii.member(jsii_name="GVK")
    def GVK(cls) -> "_cdk8s_d3d9af27.GroupVersionKind":
        '''Returns the apiVersion and kind for "AuthorizationPolicyV1Beta1".'''
        return typing.cast("_cdk8s_d3d9af27.GroupVersionKind", jsii.sget(cls, "GVK"))


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicyV1Beta1Props",
    jsii_struct_bases=[],
    name_mapping={"metadata": "metadata", "spec": "spec"},
)
class AuthorizationPolicyV1Beta1Props:
    def __init__(
        self,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["AuthorizationPolicyV1Beta1Spec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''
        :param metadata: 
        :param spec: Configuration for access control on workloads. See more details at: https://istio.io/docs/reference/config/security/authorization-policy.html

        :schema: AuthorizationPolicyV1Beta1
        '''
        if isinstance(metadata, dict):
            metadata = _cdk8s_d3d9af27.ApiObjectMetadata(**metadata)
        if isinstance(spec, dict):
            spec = AuthorizationPolicyV1Beta1Spec(**spec)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__f9cf354aa671d5f0c0dc5651da7a6ececc9bfc998c2407989d10828ca20f22d8)
            check_type(argname="argument metadata", value=metadata, expected_type=type_hints["metadata"])
            check_type(argname="argument spec", value=spec, expected_type=type_hints["spec"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if metadata is not None:
            self._values["metadata"] = metadata
        if spec is not None:
            self._values["spec"] = spec

    @builtins.property
    def metadata(self) -> typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"]:
        '''
        :schema: AuthorizationPolicyV1Beta1#metadata
        '''
        result = self._values.get("metadata")
        return typing.cast(typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"], result)

    @builtins.property
    def spec(self) -> typing.Optional["AuthorizationPolicyV1Beta1Spec"]:
        '''Configuration for access control on workloads.

        See more details at: https://istio.io/docs/reference/config/security/authorization-policy.html

        :schema: AuthorizationPolicyV1Beta1#spec
        '''
        result = self._values.get("spec")
        return typing.cast(typing.Optional["AuthorizationPolicyV1Beta1Spec"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicyV1Beta1Props(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicyV1Beta1Spec",
    jsii_struct_bases=[],
    name_mapping={
        "action": "action",
        "provider": "provider",
        "rules": "rules",
        "selector": "selector",
        "target_ref": "targetRef",
        "target_refs": "targetRefs",
    },
)
class AuthorizationPolicyV1Beta1Spec:
    def __init__(
        self,
        *,
        action: typing.Optional["AuthorizationPolicyV1Beta1SpecAction"] = None,
        provider: typing.Optional[typing.Union["AuthorizationPolicyV1Beta1SpecProvider", typing.Dict[builtins.str, typing.Any]]] = None,
        rules: typing.Optional[typing.Sequence[typing.Union["AuthorizationPolicyV1Beta1SpecRules", typing.Dict[builtins.str, typing.Any]]]] = None,
        selector: typing.Optional[typing.Union["AuthorizationPolicyV1Beta1SpecSelector", typing.Dict[builtins.str, typing.Any]]] = None,
        target_ref: typing.Optional[typing.Union["AuthorizationPolicyV1Beta1SpecTargetRef", typing.Dict[builtins.str, typing.Any]]] = None,
        target_refs: typing.Optional[typing.Sequence[typing.Union["AuthorizationPolicyV1Beta1SpecTargetRefs", typing.Dict[builtins.str, typing.Any]]]] = None,
    ) -> None:
        '''Configuration for access control on workloads.

        See more details at: https://istio.io/docs/reference/config/security/authorization-policy.html

        :param action: Optional. Valid Options: ALLOW, DENY, AUDIT, CUSTOM
        :param provider: Specifies detailed configuration of the CUSTOM action.
        :param rules: Optional.
        :param selector: Optional.
        :param target_ref: 
        :param target_refs: Optional.

        :schema: AuthorizationPolicyV1Beta1Spec
        '''
        if isinstance(provider, dict):
            provider = AuthorizationPolicyV1Beta1SpecProvider(**provider)
        if isinstance(selector, dict):
            selector = AuthorizationPolicyV1Beta1SpecSelector(**selector)
        if isinstance(target_ref, dict):
            target_ref = AuthorizationPolicyV1Beta1SpecTargetRef(**target_ref)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__5ec6a276e1a52a8094ed7420d5e69738b92856769792dc585b3e6e1311be4a5a)
            check_type(argname="argument action", value=action, expected_type=type_hints["action"])
            check_type(argname="argument provider", value=provider, expected_type=type_hints["provider"])
            check_type(argname="argument rules", value=rules, expected_type=type_hints["rules"])
            check_type(argname="argument selector", value=selector, expected_type=type_hints["selector"])
            check_type(argname="argument target_ref", value=target_ref, expected_type=type_hints["target_ref"])
            check_type(argname="argument target_refs", value=target_refs, expected_type=type_hints["target_refs"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if action is not None:
            self._values["action"] = action
        if provider is not None:
            self._values["provider"] = provider
        if rules is not None:
            self._values["rules"] = rules
        if selector is not None:
            self._values["selector"] = selector
        if target_ref is not None:
            self._values["target_ref"] = target_ref
        if target_refs is not None:
            self._values["target_refs"] = target_refs

    @builtins.property
    def action(self) -> typing.Optional["AuthorizationPolicyV1Beta1SpecAction"]:
        '''Optional.

        Valid Options: ALLOW, DENY, AUDIT, CUSTOM

        :schema: AuthorizationPolicyV1Beta1Spec#action
        '''
        result = self._values.get("action")
        return typing.cast(typing.Optional["AuthorizationPolicyV1Beta1SpecAction"], result)

    @builtins.property
    def provider(self) -> typing.Optional["AuthorizationPolicyV1Beta1SpecProvider"]:
        '''Specifies detailed configuration of the CUSTOM action.

        :schema: AuthorizationPolicyV1Beta1Spec#provider
        '''
        result = self._values.get("provider")
        return typing.cast(typing.Optional["AuthorizationPolicyV1Beta1SpecProvider"], result)

    @builtins.property
    def rules(
        self,
    ) -> typing.Optional[typing.List["AuthorizationPolicyV1Beta1SpecRules"]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1Spec#rules
        '''
        result = self._values.get("rules")
        return typing.cast(typing.Optional[typing.List["AuthorizationPolicyV1Beta1SpecRules"]], result)

    @builtins.property
    def selector(self) -> typing.Optional["AuthorizationPolicyV1Beta1SpecSelector"]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1Spec#selector
        '''
        result = self._values.get("selector")
        return typing.cast(typing.Optional["AuthorizationPolicyV1Beta1SpecSelector"], result)

    @builtins.property
    def target_ref(self) -> typing.Optional["AuthorizationPolicyV1Beta1SpecTargetRef"]:
        '''
        :schema: AuthorizationPolicyV1Beta1Spec#targetRef
        '''
        result = self._values.get("target_ref")
        return typing.cast(typing.Optional["AuthorizationPolicyV1Beta1SpecTargetRef"], result)

    @builtins.property
    def target_refs(
        self,
    ) -> typing.Optional[typing.List["AuthorizationPolicyV1Beta1SpecTargetRefs"]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1Spec#targetRefs
        '''
        result = self._values.get("target_refs")
        return typing.cast(typing.Optional[typing.List["AuthorizationPolicyV1Beta1SpecTargetRefs"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicyV1Beta1Spec(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(jsii_type="istio_ioistiosecurity.AuthorizationPolicyV1Beta1SpecAction")
class AuthorizationPolicyV1Beta1SpecAction(enum.Enum):
    '''Optional.

    Valid Options: ALLOW, DENY, AUDIT, CUSTOM

    :schema: AuthorizationPolicyV1Beta1SpecAction
    '''

    ALLOW = "ALLOW"
    '''ALLOW.'''
    DENY = "DENY"
    '''DENY.'''
    AUDIT = "AUDIT"
    '''AUDIT.'''
    CUSTOM = "CUSTOM"
    '''CUSTOM.'''


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicyV1Beta1SpecProvider",
    jsii_struct_bases=[],
    name_mapping={"name": "name"},
)
class AuthorizationPolicyV1Beta1SpecProvider:
    def __init__(self, *, name: typing.Optional[builtins.str] = None) -> None:
        '''Specifies detailed configuration of the CUSTOM action.

        :param name: Specifies the name of the extension provider.

        :schema: AuthorizationPolicyV1Beta1SpecProvider
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__56f5609a1114e3353b12f4112dd2ec028978c54b6c4c226cdd99ecef4759160e)
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if name is not None:
            self._values["name"] = name

    @builtins.property
    def name(self) -> typing.Optional[builtins.str]:
        '''Specifies the name of the extension provider.

        :schema: AuthorizationPolicyV1Beta1SpecProvider#name
        '''
        result = self._values.get("name")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicyV1Beta1SpecProvider(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicyV1Beta1SpecRules",
    jsii_struct_bases=[],
    name_mapping={"from_": "from", "to": "to", "when": "when"},
)
class AuthorizationPolicyV1Beta1SpecRules:
    def __init__(
        self,
        *,
        from_: typing.Optional[typing.Sequence[typing.Union["AuthorizationPolicyV1Beta1SpecRulesFrom", typing.Dict[builtins.str, typing.Any]]]] = None,
        to: typing.Optional[typing.Sequence[typing.Union["AuthorizationPolicyV1Beta1SpecRulesTo", typing.Dict[builtins.str, typing.Any]]]] = None,
        when: typing.Optional[typing.Sequence[typing.Union["AuthorizationPolicyV1Beta1SpecRulesWhen", typing.Dict[builtins.str, typing.Any]]]] = None,
    ) -> None:
        '''
        :param from_: Optional.
        :param to: Optional.
        :param when: Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRules
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__3fd3a81b6117180f7128c865f1d226e984ab8d11689171c35687fac33603b196)
            check_type(argname="argument from_", value=from_, expected_type=type_hints["from_"])
            check_type(argname="argument to", value=to, expected_type=type_hints["to"])
            check_type(argname="argument when", value=when, expected_type=type_hints["when"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if from_ is not None:
            self._values["from_"] = from_
        if to is not None:
            self._values["to"] = to
        if when is not None:
            self._values["when"] = when

    @builtins.property
    def from_(
        self,
    ) -> typing.Optional[typing.List["AuthorizationPolicyV1Beta1SpecRulesFrom"]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRules#from
        '''
        result = self._values.get("from_")
        return typing.cast(typing.Optional[typing.List["AuthorizationPolicyV1Beta1SpecRulesFrom"]], result)

    @builtins.property
    def to(
        self,
    ) -> typing.Optional[typing.List["AuthorizationPolicyV1Beta1SpecRulesTo"]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRules#to
        '''
        result = self._values.get("to")
        return typing.cast(typing.Optional[typing.List["AuthorizationPolicyV1Beta1SpecRulesTo"]], result)

    @builtins.property
    def when(
        self,
    ) -> typing.Optional[typing.List["AuthorizationPolicyV1Beta1SpecRulesWhen"]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRules#when
        '''
        result = self._values.get("when")
        return typing.cast(typing.Optional[typing.List["AuthorizationPolicyV1Beta1SpecRulesWhen"]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicyV1Beta1SpecRules(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicyV1Beta1SpecRulesFrom",
    jsii_struct_bases=[],
    name_mapping={"source": "source"},
)
class AuthorizationPolicyV1Beta1SpecRulesFrom:
    def __init__(
        self,
        *,
        source: typing.Optional[typing.Union["AuthorizationPolicyV1Beta1SpecRulesFromSource", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''
        :param source: Source specifies the source of a request.

        :schema: AuthorizationPolicyV1Beta1SpecRulesFrom
        '''
        if isinstance(source, dict):
            source = AuthorizationPolicyV1Beta1SpecRulesFromSource(**source)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__29e761771e33dd828132b45e617a50c36298ef2f2fb1d6cb206115bec6d0fd7f)
            check_type(argname="argument source", value=source, expected_type=type_hints["source"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if source is not None:
            self._values["source"] = source

    @builtins.property
    def source(
        self,
    ) -> typing.Optional["AuthorizationPolicyV1Beta1SpecRulesFromSource"]:
        '''Source specifies the source of a request.

        :schema: AuthorizationPolicyV1Beta1SpecRulesFrom#source
        '''
        result = self._values.get("source")
        return typing.cast(typing.Optional["AuthorizationPolicyV1Beta1SpecRulesFromSource"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicyV1Beta1SpecRulesFrom(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicyV1Beta1SpecRulesFromSource",
    jsii_struct_bases=[],
    name_mapping={
        "ip_blocks": "ipBlocks",
        "namespaces": "namespaces",
        "not_ip_blocks": "notIpBlocks",
        "not_namespaces": "notNamespaces",
        "not_principals": "notPrincipals",
        "not_remote_ip_blocks": "notRemoteIpBlocks",
        "not_request_principals": "notRequestPrincipals",
        "not_service_accounts": "notServiceAccounts",
        "not_trust_domains": "notTrustDomains",
        "principals": "principals",
        "remote_ip_blocks": "remoteIpBlocks",
        "request_principals": "requestPrincipals",
        "service_accounts": "serviceAccounts",
        "trust_domains": "trustDomains",
    },
)
class AuthorizationPolicyV1Beta1SpecRulesFromSource:
    def __init__(
        self,
        *,
        ip_blocks: typing.Optional[typing.Sequence[builtins.str]] = None,
        namespaces: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_ip_blocks: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_namespaces: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_principals: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_remote_ip_blocks: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_request_principals: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_service_accounts: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_trust_domains: typing.Optional[typing.Sequence[builtins.str]] = None,
        principals: typing.Optional[typing.Sequence[builtins.str]] = None,
        remote_ip_blocks: typing.Optional[typing.Sequence[builtins.str]] = None,
        request_principals: typing.Optional[typing.Sequence[builtins.str]] = None,
        service_accounts: typing.Optional[typing.Sequence[builtins.str]] = None,
        trust_domains: typing.Optional[typing.Sequence[builtins.str]] = None,
    ) -> None:
        '''Source specifies the source of a request.

        :param ip_blocks: Optional.
        :param namespaces: Optional.
        :param not_ip_blocks: Optional.
        :param not_namespaces: Optional.
        :param not_principals: Optional.
        :param not_remote_ip_blocks: Optional.
        :param not_request_principals: Optional.
        :param not_service_accounts: Optional.
        :param not_trust_domains: Optional.
        :param principals: Optional.
        :param remote_ip_blocks: Optional.
        :param request_principals: Optional.
        :param service_accounts: Optional.
        :param trust_domains: Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesFromSource
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__241728496ab340c1fb1f22998e88c9f41a33f1e75e46bdbfe0c4c548acea3cb8)
            check_type(argname="argument ip_blocks", value=ip_blocks, expected_type=type_hints["ip_blocks"])
            check_type(argname="argument namespaces", value=namespaces, expected_type=type_hints["namespaces"])
            check_type(argname="argument not_ip_blocks", value=not_ip_blocks, expected_type=type_hints["not_ip_blocks"])
            check_type(argname="argument not_namespaces", value=not_namespaces, expected_type=type_hints["not_namespaces"])
            check_type(argname="argument not_principals", value=not_principals, expected_type=type_hints["not_principals"])
            check_type(argname="argument not_remote_ip_blocks", value=not_remote_ip_blocks, expected_type=type_hints["not_remote_ip_blocks"])
            check_type(argname="argument not_request_principals", value=not_request_principals, expected_type=type_hints["not_request_principals"])
            check_type(argname="argument not_service_accounts", value=not_service_accounts, expected_type=type_hints["not_service_accounts"])
            check_type(argname="argument not_trust_domains", value=not_trust_domains, expected_type=type_hints["not_trust_domains"])
            check_type(argname="argument principals", value=principals, expected_type=type_hints["principals"])
            check_type(argname="argument remote_ip_blocks", value=remote_ip_blocks, expected_type=type_hints["remote_ip_blocks"])
            check_type(argname="argument request_principals", value=request_principals, expected_type=type_hints["request_principals"])
            check_type(argname="argument service_accounts", value=service_accounts, expected_type=type_hints["service_accounts"])
            check_type(argname="argument trust_domains", value=trust_domains, expected_type=type_hints["trust_domains"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if ip_blocks is not None:
            self._values["ip_blocks"] = ip_blocks
        if namespaces is not None:
            self._values["namespaces"] = namespaces
        if not_ip_blocks is not None:
            self._values["not_ip_blocks"] = not_ip_blocks
        if not_namespaces is not None:
            self._values["not_namespaces"] = not_namespaces
        if not_principals is not None:
            self._values["not_principals"] = not_principals
        if not_remote_ip_blocks is not None:
            self._values["not_remote_ip_blocks"] = not_remote_ip_blocks
        if not_request_principals is not None:
            self._values["not_request_principals"] = not_request_principals
        if not_service_accounts is not None:
            self._values["not_service_accounts"] = not_service_accounts
        if not_trust_domains is not None:
            self._values["not_trust_domains"] = not_trust_domains
        if principals is not None:
            self._values["principals"] = principals
        if remote_ip_blocks is not None:
            self._values["remote_ip_blocks"] = remote_ip_blocks
        if request_principals is not None:
            self._values["request_principals"] = request_principals
        if service_accounts is not None:
            self._values["service_accounts"] = service_accounts
        if trust_domains is not None:
            self._values["trust_domains"] = trust_domains

    @builtins.property
    def ip_blocks(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesFromSource#ipBlocks
        '''
        result = self._values.get("ip_blocks")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def namespaces(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesFromSource#namespaces
        '''
        result = self._values.get("namespaces")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_ip_blocks(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesFromSource#notIpBlocks
        '''
        result = self._values.get("not_ip_blocks")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_namespaces(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesFromSource#notNamespaces
        '''
        result = self._values.get("not_namespaces")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_principals(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesFromSource#notPrincipals
        '''
        result = self._values.get("not_principals")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_remote_ip_blocks(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesFromSource#notRemoteIpBlocks
        '''
        result = self._values.get("not_remote_ip_blocks")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_request_principals(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesFromSource#notRequestPrincipals
        '''
        result = self._values.get("not_request_principals")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_service_accounts(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesFromSource#notServiceAccounts
        '''
        result = self._values.get("not_service_accounts")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_trust_domains(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesFromSource#notTrustDomains
        '''
        result = self._values.get("not_trust_domains")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def principals(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesFromSource#principals
        '''
        result = self._values.get("principals")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def remote_ip_blocks(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesFromSource#remoteIpBlocks
        '''
        result = self._values.get("remote_ip_blocks")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def request_principals(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesFromSource#requestPrincipals
        '''
        result = self._values.get("request_principals")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def service_accounts(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesFromSource#serviceAccounts
        '''
        result = self._values.get("service_accounts")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def trust_domains(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesFromSource#trustDomains
        '''
        result = self._values.get("trust_domains")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicyV1Beta1SpecRulesFromSource(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicyV1Beta1SpecRulesTo",
    jsii_struct_bases=[],
    name_mapping={"operation": "operation"},
)
class AuthorizationPolicyV1Beta1SpecRulesTo:
    def __init__(
        self,
        *,
        operation: typing.Optional[typing.Union["AuthorizationPolicyV1Beta1SpecRulesToOperation", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''
        :param operation: Operation specifies the operation of a request.

        :schema: AuthorizationPolicyV1Beta1SpecRulesTo
        '''
        if isinstance(operation, dict):
            operation = AuthorizationPolicyV1Beta1SpecRulesToOperation(**operation)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__fdc8f39d1b69765f6510284664a7e1dfdff0757735564358292547b385cdf043)
            check_type(argname="argument operation", value=operation, expected_type=type_hints["operation"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if operation is not None:
            self._values["operation"] = operation

    @builtins.property
    def operation(
        self,
    ) -> typing.Optional["AuthorizationPolicyV1Beta1SpecRulesToOperation"]:
        '''Operation specifies the operation of a request.

        :schema: AuthorizationPolicyV1Beta1SpecRulesTo#operation
        '''
        result = self._values.get("operation")
        return typing.cast(typing.Optional["AuthorizationPolicyV1Beta1SpecRulesToOperation"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicyV1Beta1SpecRulesTo(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicyV1Beta1SpecRulesToOperation",
    jsii_struct_bases=[],
    name_mapping={
        "hosts": "hosts",
        "methods": "methods",
        "not_hosts": "notHosts",
        "not_methods": "notMethods",
        "not_paths": "notPaths",
        "not_ports": "notPorts",
        "paths": "paths",
        "ports": "ports",
    },
)
class AuthorizationPolicyV1Beta1SpecRulesToOperation:
    def __init__(
        self,
        *,
        hosts: typing.Optional[typing.Sequence[builtins.str]] = None,
        methods: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_hosts: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_methods: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_paths: typing.Optional[typing.Sequence[builtins.str]] = None,
        not_ports: typing.Optional[typing.Sequence[builtins.str]] = None,
        paths: typing.Optional[typing.Sequence[builtins.str]] = None,
        ports: typing.Optional[typing.Sequence[builtins.str]] = None,
    ) -> None:
        '''Operation specifies the operation of a request.

        :param hosts: Optional.
        :param methods: Optional.
        :param not_hosts: Optional.
        :param not_methods: Optional.
        :param not_paths: Optional.
        :param not_ports: Optional.
        :param paths: Optional.
        :param ports: Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesToOperation
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__280dda3d79d7041703b4f36d38a91b9e73857c57da547a2a00d2428fdf15c0c1)
            check_type(argname="argument hosts", value=hosts, expected_type=type_hints["hosts"])
            check_type(argname="argument methods", value=methods, expected_type=type_hints["methods"])
            check_type(argname="argument not_hosts", value=not_hosts, expected_type=type_hints["not_hosts"])
            check_type(argname="argument not_methods", value=not_methods, expected_type=type_hints["not_methods"])
            check_type(argname="argument not_paths", value=not_paths, expected_type=type_hints["not_paths"])
            check_type(argname="argument not_ports", value=not_ports, expected_type=type_hints["not_ports"])
            check_type(argname="argument paths", value=paths, expected_type=type_hints["paths"])
            check_type(argname="argument ports", value=ports, expected_type=type_hints["ports"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if hosts is not None:
            self._values["hosts"] = hosts
        if methods is not None:
            self._values["methods"] = methods
        if not_hosts is not None:
            self._values["not_hosts"] = not_hosts
        if not_methods is not None:
            self._values["not_methods"] = not_methods
        if not_paths is not None:
            self._values["not_paths"] = not_paths
        if not_ports is not None:
            self._values["not_ports"] = not_ports
        if paths is not None:
            self._values["paths"] = paths
        if ports is not None:
            self._values["ports"] = ports

    @builtins.property
    def hosts(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesToOperation#hosts
        '''
        result = self._values.get("hosts")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def methods(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesToOperation#methods
        '''
        result = self._values.get("methods")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_hosts(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesToOperation#notHosts
        '''
        result = self._values.get("not_hosts")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_methods(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesToOperation#notMethods
        '''
        result = self._values.get("not_methods")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_paths(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesToOperation#notPaths
        '''
        result = self._values.get("not_paths")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def not_ports(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesToOperation#notPorts
        '''
        result = self._values.get("not_ports")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def paths(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesToOperation#paths
        '''
        result = self._values.get("paths")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def ports(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesToOperation#ports
        '''
        result = self._values.get("ports")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicyV1Beta1SpecRulesToOperation(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicyV1Beta1SpecRulesWhen",
    jsii_struct_bases=[],
    name_mapping={"key": "key", "not_values": "notValues", "values": "values"},
)
class AuthorizationPolicyV1Beta1SpecRulesWhen:
    def __init__(
        self,
        *,
        key: builtins.str,
        not_values: typing.Optional[typing.Sequence[builtins.str]] = None,
        values: typing.Optional[typing.Sequence[builtins.str]] = None,
    ) -> None:
        '''
        :param key: The name of an Istio attribute.
        :param not_values: Optional.
        :param values: Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesWhen
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__fd5402aea1b1c483b28764d8e5c3654fbc8ab50f6a1d50119d63084976ae901c)
            check_type(argname="argument key", value=key, expected_type=type_hints["key"])
            check_type(argname="argument not_values", value=not_values, expected_type=type_hints["not_values"])
            check_type(argname="argument values", value=values, expected_type=type_hints["values"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "key": key,
        }
        if not_values is not None:
            self._values["not_values"] = not_values
        if values is not None:
            self._values["values"] = values

    @builtins.property
    def key(self) -> builtins.str:
        '''The name of an Istio attribute.

        :schema: AuthorizationPolicyV1Beta1SpecRulesWhen#key
        '''
        result = self._values.get("key")
        assert result is not None, "Required property 'key' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def not_values(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesWhen#notValues
        '''
        result = self._values.get("not_values")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    @builtins.property
    def values(self) -> typing.Optional[typing.List[builtins.str]]:
        '''Optional.

        :schema: AuthorizationPolicyV1Beta1SpecRulesWhen#values
        '''
        result = self._values.get("values")
        return typing.cast(typing.Optional[typing.List[builtins.str]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicyV1Beta1SpecRulesWhen(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicyV1Beta1SpecSelector",
    jsii_struct_bases=[],
    name_mapping={"match_labels": "matchLabels"},
)
class AuthorizationPolicyV1Beta1SpecSelector:
    def __init__(
        self,
        *,
        match_labels: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,
    ) -> None:
        '''Optional.

        :param match_labels: One or more labels that indicate a specific set of pods/VMs on which a policy should be applied.

        :schema: AuthorizationPolicyV1Beta1SpecSelector
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__014ec744b79d87799e6f97c9b8a0b363b1ee4f5fa41cbd243e9d18b9dd595fec)
            check_type(argname="argument match_labels", value=match_labels, expected_type=type_hints["match_labels"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if match_labels is not None:
            self._values["match_labels"] = match_labels

    @builtins.property
    def match_labels(
        self,
    ) -> typing.Optional[typing.Mapping[builtins.str, builtins.str]]:
        '''One or more labels that indicate a specific set of pods/VMs on which a policy should be applied.

        :schema: AuthorizationPolicyV1Beta1SpecSelector#matchLabels
        '''
        result = self._values.get("match_labels")
        return typing.cast(typing.Optional[typing.Mapping[builtins.str, builtins.str]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicyV1Beta1SpecSelector(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicyV1Beta1SpecTargetRef",
    jsii_struct_bases=[],
    name_mapping={
        "kind": "kind",
        "name": "name",
        "group": "group",
        "namespace": "namespace",
    },
)
class AuthorizationPolicyV1Beta1SpecTargetRef:
    def __init__(
        self,
        *,
        kind: builtins.str,
        name: builtins.str,
        group: typing.Optional[builtins.str] = None,
        namespace: typing.Optional[builtins.str] = None,
    ) -> None:
        '''
        :param kind: kind is kind of the target resource.
        :param name: name is the name of the target resource.
        :param group: group is the group of the target resource.
        :param namespace: namespace is the namespace of the referent.

        :schema: AuthorizationPolicyV1Beta1SpecTargetRef
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__102fd80cd075d932dbfacf5af026a5157367fc9b6e3b36a65daa328d3e5aa7fb)
            check_type(argname="argument kind", value=kind, expected_type=type_hints["kind"])
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument group", value=group, expected_type=type_hints["group"])
            check_type(argname="argument namespace", value=namespace, expected_type=type_hints["namespace"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "kind": kind,
            "name": name,
        }
        if group is not None:
            self._values["group"] = group
        if namespace is not None:
            self._values["namespace"] = namespace

    @builtins.property
    def kind(self) -> builtins.str:
        '''kind is kind of the target resource.

        :schema: AuthorizationPolicyV1Beta1SpecTargetRef#kind
        '''
        result = self._values.get("kind")
        assert result is not None, "Required property 'kind' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def name(self) -> builtins.str:
        '''name is the name of the target resource.

        :schema: AuthorizationPolicyV1Beta1SpecTargetRef#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def group(self) -> typing.Optional[builtins.str]:
        '''group is the group of the target resource.

        :schema: AuthorizationPolicyV1Beta1SpecTargetRef#group
        '''
        result = self._values.get("group")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def namespace(self) -> typing.Optional[builtins.str]:
        '''namespace is the namespace of the referent.

        :schema: AuthorizationPolicyV1Beta1SpecTargetRef#namespace
        '''
        result = self._values.get("namespace")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicyV1Beta1SpecTargetRef(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.AuthorizationPolicyV1Beta1SpecTargetRefs",
    jsii_struct_bases=[],
    name_mapping={
        "kind": "kind",
        "name": "name",
        "group": "group",
        "namespace": "namespace",
    },
)
class AuthorizationPolicyV1Beta1SpecTargetRefs:
    def __init__(
        self,
        *,
        kind: builtins.str,
        name: builtins.str,
        group: typing.Optional[builtins.str] = None,
        namespace: typing.Optional[builtins.str] = None,
    ) -> None:
        '''
        :param kind: kind is kind of the target resource.
        :param name: name is the name of the target resource.
        :param group: group is the group of the target resource.
        :param namespace: namespace is the namespace of the referent.

        :schema: AuthorizationPolicyV1Beta1SpecTargetRefs
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__f0d6a1d89fceae431487d49cd7f7a5156002e4de12a4a0402d8dd7f4423b302d)
            check_type(argname="argument kind", value=kind, expected_type=type_hints["kind"])
            check_type(argname="argument name", value=name, expected_type=type_hints["name"])
            check_type(argname="argument group", value=group, expected_type=type_hints["group"])
            check_type(argname="argument namespace", value=namespace, expected_type=type_hints["namespace"])
        self._values: typing.Dict[builtins.str, typing.Any] = {
            "kind": kind,
            "name": name,
        }
        if group is not None:
            self._values["group"] = group
        if namespace is not None:
            self._values["namespace"] = namespace

    @builtins.property
    def kind(self) -> builtins.str:
        '''kind is kind of the target resource.

        :schema: AuthorizationPolicyV1Beta1SpecTargetRefs#kind
        '''
        result = self._values.get("kind")
        assert result is not None, "Required property 'kind' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def name(self) -> builtins.str:
        '''name is the name of the target resource.

        :schema: AuthorizationPolicyV1Beta1SpecTargetRefs#name
        '''
        result = self._values.get("name")
        assert result is not None, "Required property 'name' is missing"
        return typing.cast(builtins.str, result)

    @builtins.property
    def group(self) -> typing.Optional[builtins.str]:
        '''group is the group of the target resource.

        :schema: AuthorizationPolicyV1Beta1SpecTargetRefs#group
        '''
        result = self._values.get("group")
        return typing.cast(typing.Optional[builtins.str], result)

    @builtins.property
    def namespace(self) -> typing.Optional[builtins.str]:
        '''namespace is the namespace of the referent.

        :schema: AuthorizationPolicyV1Beta1SpecTargetRefs#namespace
        '''
        result = self._values.get("namespace")
        return typing.cast(typing.Optional[builtins.str], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "AuthorizationPolicyV1Beta1SpecTargetRefs(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


class PeerAuthentication(
    _cdk8s_d3d9af27.ApiObject,
    metaclass=jsii.JSIIMeta,
    jsii_type="istio_ioistiosecurity.PeerAuthentication",
):
    '''
    :schema: PeerAuthentication
    '''

    def __init__(
        self,
        scope: "_constructs_77d1e7e8.Construct",
        id: builtins.str,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["PeerAuthenticationSpec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Defines a "PeerAuthentication" API object.

        :param scope: the scope in which to define this object.
        :param id: a scope-local name for the object.
        :param metadata: 
        :param spec: Peer authentication configuration for workloads. See more details at: https://istio.io/docs/reference/config/security/peer_authentication.html
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__094e2922db74c5d946efd05263df55e8b63ceee9241972393151b7a76b2a03c0)
            check_type(argname="argument scope", value=scope, expected_type=type_hints["scope"])
            check_type(argname="argument id", value=id, expected_type=type_hints["id"])
        props = PeerAuthenticationProps(metadata=metadata, spec=spec)

        jsii.create(self.__class__, self, [scope, id, props])

    @jsii.member(jsii_name="manifest")
    @builtins.classmethod
    def manifest(
        cls,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["PeerAuthenticationSpec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> typing.Any:
        '''Renders a Kubernetes manifest for "PeerAuthentication".

        This can be used to inline resource manifests inside other objects (e.g. as templates).

        :param metadata: 
        :param spec: Peer authentication configuration for workloads. See more details at: https://istio.io/docs/reference/config/security/peer_authentication.html
        '''
        props = PeerAuthenticationProps(metadata=metadata, spec=spec)

        return typing.cast(typing.Any, jsii.sinvoke(cls, "manifest", [props]))

    @jsii.member(jsii_name="toJson")
    def to_json(self) -> typing.Any:
        '''Renders the object to Kubernetes JSON.'''
        return typing.cast(typing.Any, jsii.invoke(self, "toJson", []))

    @jsii.python.classproperty
    @jsii.member(jsii_name="GVK")
    def GVK(cls) -> "_cdk8s_d3d9af27.GroupVersionKind":
        '''Returns the apiVersion and kind for "PeerAuthentication".'''
        return typing.cast("_cdk8s_d3d9af27.GroupVersionKind", jsii.sget(cls, "GVK"))


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.PeerAuthenticationProps",
    jsii_struct_bases=[],
    name_mapping={"metadata": "metadata", "spec": "spec"},
)
class PeerAuthenticationProps:
    def __init__(
        self,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["PeerAuthenticationSpec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''
        :param metadata: 
        :param spec: Peer authentication configuration for workloads. See more details at: https://istio.io/docs/reference/config/security/peer_authentication.html

        :schema: PeerAuthentication
        '''
        if isinstance(metadata, dict):
            metadata = _cdk8s_d3d9af27.ApiObjectMetadata(**metadata)
        if isinstance(spec, dict):
            spec = PeerAuthenticationSpec(**spec)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__3744e187361a65a06f13c302a29b0b2d3f4c04a571ee3edf19b7ea5eba7b4395)
            check_type(argname="argument metadata", value=metadata, expected_type=type_hints["metadata"])
            check_type(argname="argument spec", value=spec, expected_type=type_hints["spec"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if metadata is not None:
            self._values["metadata"] = metadata
        if spec is not None:
            self._values["spec"] = spec

    @builtins.property
    def metadata(self) -> typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"]:
        '''
        :schema: PeerAuthentication#metadata
        '''
        result = self._values.get("metadata")
        return typing.cast(typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"], result)

    @builtins.property
    def spec(self) -> typing.Optional["PeerAuthenticationSpec"]:
        '''Peer authentication configuration for workloads.

        See more details at: https://istio.io/docs/reference/config/security/peer_authentication.html

        :schema: PeerAuthentication#spec
        '''
        result = self._values.get("spec")
        return typing.cast(typing.Optional["PeerAuthenticationSpec"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "PeerAuthenticationProps(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.PeerAuthenticationSpec",
    jsii_struct_bases=[],
    name_mapping={
        "mtls": "mtls",
        "port_level_mtls": "portLevelMtls",
        "selector": "selector",
    },
)
class PeerAuthenticationSpec:
    def __init__(
        self,
        *,
        mtls: typing.Optional[typing.Union["PeerAuthenticationSpecMtls", typing.Dict[builtins.str, typing.Any]]] = None,
        port_level_mtls: typing.Optional[typing.Mapping[builtins.str, typing.Union["PeerAuthenticationSpecPortLevelMtls", typing.Dict[builtins.str, typing.Any]]]] = None,
        selector: typing.Optional[typing.Union["PeerAuthenticationSpecSelector", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Peer authentication configuration for workloads.

        See more details at: https://istio.io/docs/reference/config/security/peer_authentication.html

        :param mtls: Mutual TLS settings for workload.
        :param port_level_mtls: Port specific mutual TLS settings.
        :param selector: The selector determines the workloads to apply the PeerAuthentication on.

        :schema: PeerAuthenticationSpec
        '''
        if isinstance(mtls, dict):
            mtls = PeerAuthenticationSpecMtls(**mtls)
        if isinstance(selector, dict):
            selector = PeerAuthenticationSpecSelector(**selector)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__01a6b21cedfbcdf916e1f84135163540adb9c594eaade7c5f4bbcdd36731fb10)
            check_type(argname="argument mtls", value=mtls, expected_type=type_hints["mtls"])
            check_type(argname="argument port_level_mtls", value=port_level_mtls, expected_type=type_hints["port_level_mtls"])
            check_type(argname="argument selector", value=selector, expected_type=type_hints["selector"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if mtls is not None:
            self._values["mtls"] = mtls
        if port_level_mtls is not None:
            self._values["port_level_mtls"] = port_level_mtls
        if selector is not None:
            self._values["selector"] = selector

    @builtins.property
    def mtls(self) -> typing.Optional["PeerAuthenticationSpecMtls"]:
        '''Mutual TLS settings for workload.

        :schema: PeerAuthenticationSpec#mtls
        '''
        result = self._values.get("mtls")
        return typing.cast(typing.Optional["PeerAuthenticationSpecMtls"], result)

    @builtins.property
    def port_level_mtls(
        self,
    ) -> typing.Optional[typing.Mapping[builtins.str, "PeerAuthenticationSpecPortLevelMtls"]]:
        '''Port specific mutual TLS settings.

        :schema: PeerAuthenticationSpec#portLevelMtls
        '''
        result = self._values.get("port_level_mtls")
        return typing.cast(typing.Optional[typing.Mapping[builtins.str, "PeerAuthenticationSpecPortLevelMtls"]], result)

    @builtins.property
    def selector(self) -> typing.Optional["PeerAuthenticationSpecSelector"]:
        '''The selector determines the workloads to apply the PeerAuthentication on.

        :schema: PeerAuthenticationSpec#selector
        '''
        result = self._values.get("selector")
        return typing.cast(typing.Optional["PeerAuthenticationSpecSelector"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "PeerAuthenticationSpec(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.PeerAuthenticationSpecMtls",
    jsii_struct_bases=[],
    name_mapping={"mode": "mode"},
)
class PeerAuthenticationSpecMtls:
    def __init__(
        self,
        *,
        mode: typing.Optional["PeerAuthenticationSpecMtlsMode"] = None,
    ) -> None:
        '''Mutual TLS settings for workload.

        :param mode: Defines the mTLS mode used for peer authentication. Valid Options: DISABLE, PERMISSIVE, STRICT

        :schema: PeerAuthenticationSpecMtls
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__47e75f259a631b43cf635661f15d307c56ea468cc804b3c0876faa6e0eeac6e0)
            check_type(argname="argument mode", value=mode, expected_type=type_hints["mode"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if mode is not None:
            self._values["mode"] = mode

    @builtins.property
    def mode(self) -> typing.Optional["PeerAuthenticationSpecMtlsMode"]:
        '''Defines the mTLS mode used for peer authentication.

        Valid Options: DISABLE, PERMISSIVE, STRICT

        :schema: PeerAuthenticationSpecMtls#mode
        '''
        result = self._values.get("mode")
        return typing.cast(typing.Optional["PeerAuthenticationSpecMtlsMode"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "PeerAuthenticationSpecMtls(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(jsii_type="istio_ioistiosecurity.PeerAuthenticationSpecMtlsMode")
class PeerAuthenticationSpecMtlsMode(enum.Enum):
    '''Defines the mTLS mode used for peer authentication.

    Valid Options: DISABLE, PERMISSIVE, STRICT

    :schema: PeerAuthenticationSpecMtlsMode
    '''

    UNSET = "UNSET"
    '''UNSET.'''
    DISABLE = "DISABLE"
    '''DISABLE.'''
    PERMISSIVE = "PERMISSIVE"
    '''PERMISSIVE.'''
    STRICT = "STRICT"
    '''STRICT.'''


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.PeerAuthenticationSpecPortLevelMtls",
    jsii_struct_bases=[],
    name_mapping={"mode": "mode"},
)
class PeerAuthenticationSpecPortLevelMtls:
    def __init__(
        self,
        *,
        mode: typing.Optional["PeerAuthenticationSpecPortLevelMtlsMode"] = None,
    ) -> None:
        '''
        :param mode: Defines the mTLS mode used for peer authentication. Valid Options: DISABLE, PERMISSIVE, STRICT

        :schema: PeerAuthenticationSpecPortLevelMtls
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__c20697eeb83b7b59ebac811b20328a79657a129c5b45801c778ffc0400bd39dd)
            check_type(argname="argument mode", value=mode, expected_type=type_hints["mode"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if mode is not None:
            self._values["mode"] = mode

    @builtins.property
    def mode(self) -> typing.Optional["PeerAuthenticationSpecPortLevelMtlsMode"]:
        '''Defines the mTLS mode used for peer authentication.

        Valid Options: DISABLE, PERMISSIVE, STRICT

        :schema: PeerAuthenticationSpecPortLevelMtls#mode
        '''
        result = self._values.get("mode")
        return typing.cast(typing.Optional["PeerAuthenticationSpecPortLevelMtlsMode"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "PeerAuthenticationSpecPortLevelMtls(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(jsii_type="istio_ioistiosecurity.PeerAuthenticationSpecPortLevelMtlsMode")
class PeerAuthenticationSpecPortLevelMtlsMode(enum.Enum):
    '''Defines the mTLS mode used for peer authentication.

    Valid Options: DISABLE, PERMISSIVE, STRICT

    :schema: PeerAuthenticationSpecPortLevelMtlsMode
    '''

    UNSET = "UNSET"
    '''UNSET.'''
    DISABLE = "DISABLE"
    '''DISABLE.'''
    PERMISSIVE = "PERMISSIVE"
    '''PERMISSIVE.'''
    STRICT = "STRICT"
    '''STRICT.'''


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.PeerAuthenticationSpecSelector",
    jsii_struct_bases=[],
    name_mapping={"match_labels": "matchLabels"},
)
class PeerAuthenticationSpecSelector:
    def __init__(
        self,
        *,
        match_labels: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,
    ) -> None:
        '''The selector determines the workloads to apply the PeerAuthentication on.

        :param match_labels: One or more labels that indicate a specific set of pods/VMs on which a policy should be applied.

        :schema: PeerAuthenticationSpecSelector
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__681bbddd08dacabf8d13a091c64cdbd9fc49a5f2685312cac6b4d63aebd30a46)
            check_type(argname="argument match_labels", value=match_labels, expected_type=type_hints["match_labels"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if match_labels is not None:
            self._values["match_labels"] = match_labels

    @builtins.property
    def match_labels(
        self,
    ) -> typing.Optional[typing.Mapping[builtins.str, builtins.str]]:
        '''One or more labels that indicate a specific set of pods/VMs on which a policy should be applied.

        :schema: PeerAuthenticationSpecSelector#matchLabels
        '''
        result = self._values.get("match_labels")
        return typing.cast(typing.Optional[typing.Mapping[builtins.str, builtins.str]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "PeerAuthenticationSpecSelector(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


class PeerAuthenticationV1Beta1(
    _cdk8s_d3d9af27.ApiObject,
    metaclass=jsii.JSIIMeta,
    jsii_type="istio_ioistiosecurity.PeerAuthenticationV1Beta1",
):
    '''
    :schema: PeerAuthenticationV1Beta1
    '''

    def __init__(
        self,
        scope: "_constructs_77d1e7e8.Construct",
        id: builtins.str,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["PeerAuthenticationV1Beta1Spec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Defines a "PeerAuthenticationV1Beta1" API object.

        :param scope: the scope in which to define this object.
        :param id: a scope-local name for the object.
        :param metadata: 
        :param spec: Peer authentication configuration for workloads. See more details at: https://istio.io/docs/reference/config/security/peer_authentication.html
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__4e41a5ca6251e49d0df40c3e57a0e65a43ca469af4aa32bcebeee419f1520a58)
            check_type(argname="argument scope", value=scope, expected_type=type_hints["scope"])
            check_type(argname="argument id", value=id, expected_type=type_hints["id"])
        props = PeerAuthenticationV1Beta1Props(metadata=metadata, spec=spec)

        jsii.create(self.__class__, self, [scope, id, props])

    @jsii.member(jsii_name="manifest")
    @builtins.classmethod
    def manifest(
        cls,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["PeerAuthenticationV1Beta1Spec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> typing.Any:
        '''Renders a Kubernetes manifest for "PeerAuthenticationV1Beta1".

        This can be used to inline resource manifests inside other objects (e.g. as templates).

        :param metadata: 
        :param spec: Peer authentication configuration for workloads. See more details at: https://istio.io/docs/reference/config/security/peer_authentication.html
        '''
        props = PeerAuthenticationV1Beta1Props(metadata=metadata, spec=spec)

        return typing.cast(typing.Any, jsii.sinvoke(cls, "manifest", [props]))

    @jsii.member(jsii_name="toJson")
    def to_json(self) -> typing.Any:
        '''Renders the object to Kubernetes JSON.'''
        return typing.cast(typing.Any, jsii.invoke(self, "toJson", []))

    @jsii.python.classproperty
    @jsii.member(jsii_name="GVK")
    def GVK(cls) -> "_cdk8s_d3d9af27.GroupVersionKind":
        '''Returns the apiVersion and kind for "PeerAuthenticationV1Beta1".'''
        return typing.cast("_cdk8s_d3d9af27.GroupVersionKind", jsii.sget(cls, "GVK"))


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.PeerAuthenticationV1Beta1Props",
    jsii_struct_bases=[],
    name_mapping={"metadata": "metadata", "spec": "spec"},
)
class PeerAuthenticationV1Beta1Props:
    def __init__(
        self,
        *,
        metadata: typing.Optional[typing.Union["_cdk8s_d3d9af27.ApiObjectMetadata", typing.Dict[builtins.str, typing.Any]]] = None,
        spec: typing.Optional[typing.Union["PeerAuthenticationV1Beta1Spec", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''
        :param metadata: 
        :param spec: Peer authentication configuration for workloads. See more details at: https://istio.io/docs/reference/config/security/peer_authentication.html

        :schema: PeerAuthenticationV1Beta1
        '''
        if isinstance(metadata, dict):
            metadata = _cdk8s_d3d9af27.ApiObjectMetadata(**metadata)
        if isinstance(spec, dict):
            spec = PeerAuthenticationV1Beta1Spec(**spec)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__01f7a5adf205cc229b72bf2ff66185ab1d835a4a37a8a8b034650c86cbb0b8fd)
            check_type(argname="argument metadata", value=metadata, expected_type=type_hints["metadata"])
            check_type(argname="argument spec", value=spec, expected_type=type_hints["spec"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if metadata is not None:
            self._values["metadata"] = metadata
        if spec is not None:
            self._values["spec"] = spec

    @builtins.property
    def metadata(self) -> typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"]:
        '''
        :schema: PeerAuthenticationV1Beta1#metadata
        '''
        result = self._values.get("metadata")
        return typing.cast(typing.Optional["_cdk8s_d3d9af27.ApiObjectMetadata"], result)

    @builtins.property
    def spec(self) -> typing.Optional["PeerAuthenticationV1Beta1Spec"]:
        '''Peer authentication configuration for workloads.

        See more details at: https://istio.io/docs/reference/config/security/peer_authentication.html

        :schema: PeerAuthenticationV1Beta1#spec
        '''
        result = self._values.get("spec")
        return typing.cast(typing.Optional["PeerAuthenticationV1Beta1Spec"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "PeerAuthenticationV1Beta1Props(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.PeerAuthenticationV1Beta1Spec",
    jsii_struct_bases=[],
    name_mapping={
        "mtls": "mtls",
        "port_level_mtls": "portLevelMtls",
        "selector": "selector",
    },
)
class PeerAuthenticationV1Beta1Spec:
    def __init__(
        self,
        *,
        mtls: typing.Optional[typing.Union["PeerAuthenticationV1Beta1SpecMtls", typing.Dict[builtins.str, typing.Any]]] = None,
        port_level_mtls: typing.Optional[typing.Mapping[builtins.str, typing.Union["PeerAuthenticationV1Beta1SpecPortLevelMtls", typing.Dict[builtins.str, typing.Any]]]] = None,
        selector: typing.Optional[typing.Union["PeerAuthenticationV1Beta1SpecSelector", typing.Dict[builtins.str, typing.Any]]] = None,
    ) -> None:
        '''Peer authentication configuration for workloads.

        See more details at: https://istio.io/docs/reference/config/security/peer_authentication.html

        :param mtls: Mutual TLS settings for workload.
        :param port_level_mtls: Port specific mutual TLS settings.
        :param selector: The selector determines the workloads to apply the PeerAuthentication on.

        :schema: PeerAuthenticationV1Beta1Spec
        '''
        if isinstance(mtls, dict):
            mtls = PeerAuthenticationV1Beta1SpecMtls(**mtls)
        if isinstance(selector, dict):
            selector = PeerAuthenticationV1Beta1SpecSelector(**selector)
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__29261022dbb6f093436006035077d9072dca8e7c9b596333bb0c56c3c5e6576b)
            check_type(argname="argument mtls", value=mtls, expected_type=type_hints["mtls"])
            check_type(argname="argument port_level_mtls", value=port_level_mtls, expected_type=type_hints["port_level_mtls"])
            check_type(argname="argument selector", value=selector, expected_type=type_hints["selector"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if mtls is not None:
            self._values["mtls"] = mtls
        if port_level_mtls is not None:
            self._values["port_level_mtls"] = port_level_mtls
        if selector is not None:
            self._values["selector"] = selector

    @builtins.property
    def mtls(self) -> typing.Optional["PeerAuthenticationV1Beta1SpecMtls"]:
        '''Mutual TLS settings for workload.

        :schema: PeerAuthenticationV1Beta1Spec#mtls
        '''
        result = self._values.get("mtls")
        return typing.cast(typing.Optional["PeerAuthenticationV1Beta1SpecMtls"], result)

    @builtins.property
    def port_level_mtls(
        self,
    ) -> typing.Optional[typing.Mapping[builtins.str, "PeerAuthenticationV1Beta1SpecPortLevelMtls"]]:
        '''Port specific mutual TLS settings.

        :schema: PeerAuthenticationV1Beta1Spec#portLevelMtls
        '''
        result = self._values.get("port_level_mtls")
        return typing.cast(typing.Optional[typing.Mapping[builtins.str, "PeerAuthenticationV1Beta1SpecPortLevelMtls"]], result)

    @builtins.property
    def selector(self) -> typing.Optional["PeerAuthenticationV1Beta1SpecSelector"]:
        '''The selector determines the workloads to apply the PeerAuthentication on.

        :schema: PeerAuthenticationV1Beta1Spec#selector
        '''
        result = self._values.get("selector")
        return typing.cast(typing.Optional["PeerAuthenticationV1Beta1SpecSelector"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "PeerAuthenticationV1Beta1Spec(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.PeerAuthenticationV1Beta1SpecMtls",
    jsii_struct_bases=[],
    name_mapping={"mode": "mode"},
)
class PeerAuthenticationV1Beta1SpecMtls:
    def __init__(
        self,
        *,
        mode: typing.Optional["PeerAuthenticationV1Beta1SpecMtlsMode"] = None,
    ) -> None:
        '''Mutual TLS settings for workload.

        :param mode: Defines the mTLS mode used for peer authentication. Valid Options: DISABLE, PERMISSIVE, STRICT

        :schema: PeerAuthenticationV1Beta1SpecMtls
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__6d5d161878c708edefa37a7e6ca0a43e9de2f8f4751f6e372bfcb73b6ab71b8d)
            check_type(argname="argument mode", value=mode, expected_type=type_hints["mode"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if mode is not None:
            self._values["mode"] = mode

    @builtins.property
    def mode(self) -> typing.Optional["PeerAuthenticationV1Beta1SpecMtlsMode"]:
        '''Defines the mTLS mode used for peer authentication.

        Valid Options: DISABLE, PERMISSIVE, STRICT

        :schema: PeerAuthenticationV1Beta1SpecMtls#mode
        '''
        result = self._values.get("mode")
        return typing.cast(typing.Optional["PeerAuthenticationV1Beta1SpecMtlsMode"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "PeerAuthenticationV1Beta1SpecMtls(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(jsii_type="istio_ioistiosecurity.PeerAuthenticationV1Beta1SpecMtlsMode")
class PeerAuthenticationV1Beta1SpecMtlsMode(enum.Enum):
    '''Defines the mTLS mode used for peer authentication.

    Valid Options: DISABLE, PERMISSIVE, STRICT

    :schema: PeerAuthenticationV1Beta1SpecMtlsMode
    '''

    UNSET = "UNSET"
    '''UNSET.'''
    DISABLE = "DISABLE"
    '''DISABLE.'''
    PERMISSIVE = "PERMISSIVE"
    '''PERMISSIVE.'''
    STRICT = "STRICT"
    '''STRICT.'''


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.PeerAuthenticationV1Beta1SpecPortLevelMtls",
    jsii_struct_bases=[],
    name_mapping={"mode": "mode"},
)
class PeerAuthenticationV1Beta1SpecPortLevelMtls:
    def __init__(
        self,
        *,
        mode: typing.Optional["PeerAuthenticationV1Beta1SpecPortLevelMtlsMode"] = None,
    ) -> None:
        '''
        :param mode: Defines the mTLS mode used for peer authentication. Valid Options: DISABLE, PERMISSIVE, STRICT

        :schema: PeerAuthenticationV1Beta1SpecPortLevelMtls
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__01b8e4943e89ab8a56e0bccfad6236cb5aa177539a4211439de2a411e04bb085)
            check_type(argname="argument mode", value=mode, expected_type=type_hints["mode"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if mode is not None:
            self._values["mode"] = mode

    @builtins.property
    def mode(self) -> typing.Optional["PeerAuthenticationV1Beta1SpecPortLevelMtlsMode"]:
        '''Defines the mTLS mode used for peer authentication.

        Valid Options: DISABLE, PERMISSIVE, STRICT

        :schema: PeerAuthenticationV1Beta1SpecPortLevelMtls#mode
        '''
        result = self._values.get("mode")
        return typing.cast(typing.Optional["PeerAuthenticationV1Beta1SpecPortLevelMtlsMode"], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "PeerAuthenticationV1Beta1SpecPortLevelMtls(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


@jsii.enum(
    jsii_type="istio_ioistiosecurity.PeerAuthenticationV1Beta1SpecPortLevelMtlsMode"
)
class PeerAuthenticationV1Beta1SpecPortLevelMtlsMode(enum.Enum):
    '''Defines the mTLS mode used for peer authentication.

    Valid Options: DISABLE, PERMISSIVE, STRICT

    :schema: PeerAuthenticationV1Beta1SpecPortLevelMtlsMode
    '''

    UNSET = "UNSET"
    '''UNSET.'''
    DISABLE = "DISABLE"
    '''DISABLE.'''
    PERMISSIVE = "PERMISSIVE"
    '''PERMISSIVE.'''
    STRICT = "STRICT"
    '''STRICT.'''


@jsii.data_type(
    jsii_type="istio_ioistiosecurity.PeerAuthenticationV1Beta1SpecSelector",
    jsii_struct_bases=[],
    name_mapping={"match_labels": "matchLabels"},
)
class PeerAuthenticationV1Beta1SpecSelector:
    def __init__(
        self,
        *,
        match_labels: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,
    ) -> None:
        '''The selector determines the workloads to apply the PeerAuthentication on.

        :param match_labels: One or more labels that indicate a specific set of pods/VMs on which a policy should be applied.

        :schema: PeerAuthenticationV1Beta1SpecSelector
        '''
        if __debug__:
            type_hints = cached_type_hints(_typecheckingstub__4daa6a045b78e3e4b52d8a73492ae44c1ceaeaf79569e9bbce5e018283f4a0c4)
            check_type(argname="argument match_labels", value=match_labels, expected_type=type_hints["match_labels"])
        self._values: typing.Dict[builtins.str, typing.Any] = {}
        if match_labels is not None:
            self._values["match_labels"] = match_labels

    @builtins.property
    def match_labels(
        self,
    ) -> typing.Optional[typing.Mapping[builtins.str, builtins.str]]:
        '''One or more labels that indicate a specific set of pods/VMs on which a policy should be applied.

        :schema: PeerAuthenticationV1Beta1SpecSelector#matchLabels
        '''
        result = self._values.get("match_labels")
        return typing.cast(typing.Optional[typing.Mapping[builtins.str, builtins.str]], result)

    def __eq__(self, rhs: typing.Any) -> builtins.bool:
        return isinstance(rhs, self.__class__) and rhs._values == self._values

    def __ne__(self, rhs: typing.Any) -> builtins.bool:
        return not (rhs == self)

    def __repr__(self) -> str:
        return "PeerAuthenticationV1Beta1SpecSelector(%s)" % ", ".join(
            k + "=" + repr(v) for k, v in self._values.items()
        )


__all__ = [
    "AuthorizationPolicy",
    "AuthorizationPolicyProps",
    "AuthorizationPolicySpec",
    "AuthorizationPolicySpecAction",
    "AuthorizationPolicySpecProvider",
    "AuthorizationPolicySpecRules",
    "AuthorizationPolicySpecRulesFrom",
    "AuthorizationPolicySpecRulesFromSource",
    "AuthorizationPolicySpecRulesTo",
    "AuthorizationPolicySpecRulesToOperation",
    "AuthorizationPolicySpecRulesWhen",
    "AuthorizationPolicySpecSelector",
    "AuthorizationPolicySpecTargetRef",
    "AuthorizationPolicySpecTargetRefs",
    "AuthorizationPolicyV1Beta1",
    "AuthorizationPolicyV1Beta1Props",
    "AuthorizationPolicyV1Beta1Spec",
    "AuthorizationPolicyV1Beta1SpecAction",
    "AuthorizationPolicyV1Beta1SpecProvider",
    "AuthorizationPolicyV1Beta1SpecRules",
    "AuthorizationPolicyV1Beta1SpecRulesFrom",
    "AuthorizationPolicyV1Beta1SpecRulesFromSource",
    "AuthorizationPolicyV1Beta1SpecRulesTo",
    "AuthorizationPolicyV1Beta1SpecRulesToOperation",
    "AuthorizationPolicyV1Beta1SpecRulesWhen",
    "AuthorizationPolicyV1Beta1SpecSelector",
    "AuthorizationPolicyV1Beta1SpecTargetRef",
    "AuthorizationPolicyV1Beta1SpecTargetRefs",
    "PeerAuthentication",
    "PeerAuthenticationProps",
    "PeerAuthenticationSpec",
    "PeerAuthenticationSpecMtls",
    "PeerAuthenticationSpecMtlsMode",
    "PeerAuthenticationSpecPortLevelMtls",
    "PeerAuthenticationSpecPortLevelMtlsMode",
    "PeerAuthenticationSpecSelector",
    "PeerAuthenticationV1Beta1",
    "PeerAuthenticationV1Beta1Props",
    "PeerAuthenticationV1Beta1Spec",
    "PeerAuthenticationV1Beta1SpecMtls",
    "PeerAuthenticationV1Beta1SpecMtlsMode",
    "PeerAuthenticationV1Beta1SpecPortLevelMtls",
    "PeerAuthenticationV1Beta1SpecPortLevelMtlsMode",
    "PeerAuthenticationV1Beta1SpecSelector",
]

publication.publish()

def _typecheckingstub__45c6a12839c186f36bddd2dfc148e7e7b3b5dd88a792eaebed91abc0d16f4071(
    scope: _constructs_77d1e7e8.Construct,
    id: builtins.str,
    *,
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
    spec: typing.Optional[typing.Union[AuthorizationPolicySpec, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__3e3d1e395bf50fc02ddf5812ad91b3e3b15d1c986f208b83a1e2b6d0946345f0(
    *,
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
    spec: typing.Optional[typing.Union[AuthorizationPolicySpec, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__7a69766e620ea87828fa2b98773d7771e3678646dc1471b35c77ff10a451a6ec(
    *,
    action: typing.Optional[AuthorizationPolicySpecAction] = None,
    provider: typing.Optional[typing.Union[AuthorizationPolicySpecProvider, typing.Dict[builtins.str, typing.Any]]] = None,
    rules: typing.Optional[typing.Sequence[typing.Union[AuthorizationPolicySpecRules, typing.Dict[builtins.str, typing.Any]]]] = None,
    selector: typing.Optional[typing.Union[AuthorizationPolicySpecSelector, typing.Dict[builtins.str, typing.Any]]] = None,
    target_ref: typing.Optional[typing.Union[AuthorizationPolicySpecTargetRef, typing.Dict[builtins.str, typing.Any]]] = None,
    target_refs: typing.Optional[typing.Sequence[typing.Union[AuthorizationPolicySpecTargetRefs, typing.Dict[builtins.str, typing.Any]]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__8d77d79de75276710604d018e43a6bb8fe07278f4f9be968af583234af943c5d(
    *,
    name: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__a1b302b231f7653077c6c5ded5a9f0d395934418f998d68050c61e9b70914e21(
    *,
    from_: typing.Optional[typing.Sequence[typing.Union[AuthorizationPolicySpecRulesFrom, typing.Dict[builtins.str, typing.Any]]]] = None,
    to: typing.Optional[typing.Sequence[typing.Union[AuthorizationPolicySpecRulesTo, typing.Dict[builtins.str, typing.Any]]]] = None,
    when: typing.Optional[typing.Sequence[typing.Union[AuthorizationPolicySpecRulesWhen, typing.Dict[builtins.str, typing.Any]]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__589183c90876f71e55cc8f1a21a9571ecdf6cf3d659d4edb0ece2f95d1933754(
    *,
    source: typing.Optional[typing.Union[AuthorizationPolicySpecRulesFromSource, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__aa90e95d1875b28b60b3c6fa06b1536f86f6cb613c9338f99c88e8032da88505(
    *,
    ip_blocks: typing.Optional[typing.Sequence[builtins.str]] = None,
    namespaces: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_ip_blocks: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_namespaces: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_principals: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_remote_ip_blocks: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_request_principals: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_service_accounts: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_trust_domains: typing.Optional[typing.Sequence[builtins.str]] = None,
    principals: typing.Optional[typing.Sequence[builtins.str]] = None,
    remote_ip_blocks: typing.Optional[typing.Sequence[builtins.str]] = None,
    request_principals: typing.Optional[typing.Sequence[builtins.str]] = None,
    service_accounts: typing.Optional[typing.Sequence[builtins.str]] = None,
    trust_domains: typing.Optional[typing.Sequence[builtins.str]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__6fccb17f582f224adc078c35a37e08af3c878d831173878ae13d4a955fc765e3(
    *,
    operation: typing.Optional[typing.Union[AuthorizationPolicySpecRulesToOperation, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__ac4fd81e8bcccf6e281ef4cde5aa9a75733026cb77593681ac79811b7085c9fc(
    *,
    hosts: typing.Optional[typing.Sequence[builtins.str]] = None,
    methods: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_hosts: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_methods: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_paths: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_ports: typing.Optional[typing.Sequence[builtins.str]] = None,
    paths: typing.Optional[typing.Sequence[builtins.str]] = None,
    ports: typing.Optional[typing.Sequence[builtins.str]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__5b3d863735c2a166b905862ff6f378567c545e4128cdf7201cfe0373be27e985(
    *,
    key: builtins.str,
    not_values: typing.Optional[typing.Sequence[builtins.str]] = None,
    values: typing.Optional[typing.Sequence[builtins.str]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__8717eb9b29747e317baecb34b3a981571d2cd0d4080fd0e70c5fdefdb3797c9a(
    *,
    match_labels: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__fd9980bc0b86a5586497c114e94b6a8f7f0067dc3802ebb4f5a17c4e9dbe8807(
    *,
    kind: builtins.str,
    name: builtins.str,
    group: typing.Optional[builtins.str] = None,
    namespace: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__cb8c95ec1c1db6043a7903e0e7354f5566dc83c186dac140d48fa16ada6fd332(
    *,
    kind: builtins.str,
    name: builtins.str,
    group: typing.Optional[builtins.str] = None,
    namespace: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__2a4d74664d109bd838af2a36104eb3ab3e442079feea0670e6eaf1661b7ba991(
    scope: _constructs_77d1e7e8.Construct,
    id: builtins.str,
    *,
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
    spec: typing.Optional[typing.Union[AuthorizationPolicyV1Beta1Spec, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__f9cf354aa671d5f0c0dc5651da7a6ececc9bfc998c2407989d10828ca20f22d8(
    *,
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
    spec: typing.Optional[typing.Union[AuthorizationPolicyV1Beta1Spec, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__5ec6a276e1a52a8094ed7420d5e69738b92856769792dc585b3e6e1311be4a5a(
    *,
    action: typing.Optional[AuthorizationPolicyV1Beta1SpecAction] = None,
    provider: typing.Optional[typing.Union[AuthorizationPolicyV1Beta1SpecProvider, typing.Dict[builtins.str, typing.Any]]] = None,
    rules: typing.Optional[typing.Sequence[typing.Union[AuthorizationPolicyV1Beta1SpecRules, typing.Dict[builtins.str, typing.Any]]]] = None,
    selector: typing.Optional[typing.Union[AuthorizationPolicyV1Beta1SpecSelector, typing.Dict[builtins.str, typing.Any]]] = None,
    target_ref: typing.Optional[typing.Union[AuthorizationPolicyV1Beta1SpecTargetRef, typing.Dict[builtins.str, typing.Any]]] = None,
    target_refs: typing.Optional[typing.Sequence[typing.Union[AuthorizationPolicyV1Beta1SpecTargetRefs, typing.Dict[builtins.str, typing.Any]]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__56f5609a1114e3353b12f4112dd2ec028978c54b6c4c226cdd99ecef4759160e(
    *,
    name: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__3fd3a81b6117180f7128c865f1d226e984ab8d11689171c35687fac33603b196(
    *,
    from_: typing.Optional[typing.Sequence[typing.Union[AuthorizationPolicyV1Beta1SpecRulesFrom, typing.Dict[builtins.str, typing.Any]]]] = None,
    to: typing.Optional[typing.Sequence[typing.Union[AuthorizationPolicyV1Beta1SpecRulesTo, typing.Dict[builtins.str, typing.Any]]]] = None,
    when: typing.Optional[typing.Sequence[typing.Union[AuthorizationPolicyV1Beta1SpecRulesWhen, typing.Dict[builtins.str, typing.Any]]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__29e761771e33dd828132b45e617a50c36298ef2f2fb1d6cb206115bec6d0fd7f(
    *,
    source: typing.Optional[typing.Union[AuthorizationPolicyV1Beta1SpecRulesFromSource, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__241728496ab340c1fb1f22998e88c9f41a33f1e75e46bdbfe0c4c548acea3cb8(
    *,
    ip_blocks: typing.Optional[typing.Sequence[builtins.str]] = None,
    namespaces: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_ip_blocks: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_namespaces: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_principals: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_remote_ip_blocks: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_request_principals: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_service_accounts: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_trust_domains: typing.Optional[typing.Sequence[builtins.str]] = None,
    principals: typing.Optional[typing.Sequence[builtins.str]] = None,
    remote_ip_blocks: typing.Optional[typing.Sequence[builtins.str]] = None,
    request_principals: typing.Optional[typing.Sequence[builtins.str]] = None,
    service_accounts: typing.Optional[typing.Sequence[builtins.str]] = None,
    trust_domains: typing.Optional[typing.Sequence[builtins.str]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__fdc8f39d1b69765f6510284664a7e1dfdff0757735564358292547b385cdf043(
    *,
    operation: typing.Optional[typing.Union[AuthorizationPolicyV1Beta1SpecRulesToOperation, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__280dda3d79d7041703b4f36d38a91b9e73857c57da547a2a00d2428fdf15c0c1(
    *,
    hosts: typing.Optional[typing.Sequence[builtins.str]] = None,
    methods: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_hosts: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_methods: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_paths: typing.Optional[typing.Sequence[builtins.str]] = None,
    not_ports: typing.Optional[typing.Sequence[builtins.str]] = None,
    paths: typing.Optional[typing.Sequence[builtins.str]] = None,
    ports: typing.Optional[typing.Sequence[builtins.str]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__fd5402aea1b1c483b28764d8e5c3654fbc8ab50f6a1d50119d63084976ae901c(
    *,
    key: builtins.str,
    not_values: typing.Optional[typing.Sequence[builtins.str]] = None,
    values: typing.Optional[typing.Sequence[builtins.str]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__014ec744b79d87799e6f97c9b8a0b363b1ee4f5fa41cbd243e9d18b9dd595fec(
    *,
    match_labels: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__102fd80cd075d932dbfacf5af026a5157367fc9b6e3b36a65daa328d3e5aa7fb(
    *,
    kind: builtins.str,
    name: builtins.str,
    group: typing.Optional[builtins.str] = None,
    namespace: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__f0d6a1d89fceae431487d49cd7f7a5156002e4de12a4a0402d8dd7f4423b302d(
    *,
    kind: builtins.str,
    name: builtins.str,
    group: typing.Optional[builtins.str] = None,
    namespace: typing.Optional[builtins.str] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__094e2922db74c5d946efd05263df55e8b63ceee9241972393151b7a76b2a03c0(
    scope: _constructs_77d1e7e8.Construct,
    id: builtins.str,
    *,
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
    spec: typing.Optional[typing.Union[PeerAuthenticationSpec, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__3744e187361a65a06f13c302a29b0b2d3f4c04a571ee3edf19b7ea5eba7b4395(
    *,
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
    spec: typing.Optional[typing.Union[PeerAuthenticationSpec, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__01a6b21cedfbcdf916e1f84135163540adb9c594eaade7c5f4bbcdd36731fb10(
    *,
    mtls: typing.Optional[typing.Union[PeerAuthenticationSpecMtls, typing.Dict[builtins.str, typing.Any]]] = None,
    port_level_mtls: typing.Optional[typing.Mapping[builtins.str, typing.Union[PeerAuthenticationSpecPortLevelMtls, typing.Dict[builtins.str, typing.Any]]]] = None,
    selector: typing.Optional[typing.Union[PeerAuthenticationSpecSelector, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__47e75f259a631b43cf635661f15d307c56ea468cc804b3c0876faa6e0eeac6e0(
    *,
    mode: typing.Optional[PeerAuthenticationSpecMtlsMode] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__c20697eeb83b7b59ebac811b20328a79657a129c5b45801c778ffc0400bd39dd(
    *,
    mode: typing.Optional[PeerAuthenticationSpecPortLevelMtlsMode] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__681bbddd08dacabf8d13a091c64cdbd9fc49a5f2685312cac6b4d63aebd30a46(
    *,
    match_labels: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__4e41a5ca6251e49d0df40c3e57a0e65a43ca469af4aa32bcebeee419f1520a58(
    scope: _constructs_77d1e7e8.Construct,
    id: builtins.str,
    *,
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
    spec: typing.Optional[typing.Union[PeerAuthenticationV1Beta1Spec, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__01f7a5adf205cc229b72bf2ff66185ab1d835a4a37a8a8b034650c86cbb0b8fd(
    *,
    metadata: typing.Optional[typing.Union[_cdk8s_d3d9af27.ApiObjectMetadata, typing.Dict[builtins.str, typing.Any]]] = None,
    spec: typing.Optional[typing.Union[PeerAuthenticationV1Beta1Spec, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__29261022dbb6f093436006035077d9072dca8e7c9b596333bb0c56c3c5e6576b(
    *,
    mtls: typing.Optional[typing.Union[PeerAuthenticationV1Beta1SpecMtls, typing.Dict[builtins.str, typing.Any]]] = None,
    port_level_mtls: typing.Optional[typing.Mapping[builtins.str, typing.Union[PeerAuthenticationV1Beta1SpecPortLevelMtls, typing.Dict[builtins.str, typing.Any]]]] = None,
    selector: typing.Optional[typing.Union[PeerAuthenticationV1Beta1SpecSelector, typing.Dict[builtins.str, typing.Any]]] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__6d5d161878c708edefa37a7e6ca0a43e9de2f8f4751f6e372bfcb73b6ab71b8d(
    *,
    mode: typing.Optional[PeerAuthenticationV1Beta1SpecMtlsMode] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__01b8e4943e89ab8a56e0bccfad6236cb5aa177539a4211439de2a411e04bb085(
    *,
    mode: typing.Optional[PeerAuthenticationV1Beta1SpecPortLevelMtlsMode] = None,
) -> None:
    """Type checking stubs"""
    pass

def _typecheckingstub__4daa6a045b78e3e4b52d8a73492ae44c1ceaeaf79569e9bbce5e018283f4a0c4(
    *,
    match_labels: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,
) -> None:
    """Type checking stubs"""
    pass
