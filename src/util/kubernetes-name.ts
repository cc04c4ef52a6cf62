/** Kubernetes names (RFC 1123 labels and subdomains) as they may appear in a namespace or pod name. */
export function isKubernetesName(name: string): boolean {
  return name.length > 0 && name.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name);
}
