/**
 * /api/v1/brands: the brands a token acts for (any scope), and a new brand with its first
 * signing key (the operator's admin tokens only). A new brand's certificates verify on pages
 * once the operator has signed a trust list that names its key.
 */
import { Router } from 'express';
import { addBrand } from '../../brands/add-brand.ts';
import { brandInputSchema } from '../../registry/brands.ts';
import type { BrandView } from '../api-schemas.ts';
import type { Registry } from '../../registry/registry.ts';
import { actsFor } from '../../registry/tokens.ts';
import { actorName, requireAnyScope, requireOperator, requireScope, type Actor } from '../auth.ts';
import { jsonBody } from '../content-type.ts';
import { parseRequest } from '../validate.ts';

export function brandRoutes(registry: Registry): Router {
  const router = Router();
  const { tokens, brands, keys } = registry;
  const view = (code: string): BrandView => {
    const brand = brands.get(code)!;
    return {
      code: brand.code,
      name: brand.name,
      ...(brand.publicUrl ? { publicUrl: brand.publicUrl } : {}),
      // False until the operator signs a trust list with the brand's active key on it: pages
      // refuse the brand's new certificates until then.
      onTrustList: !registry.trust.unlistedActiveKeys().some((u) => u.brand === code),
      keys: keys.list(code).map((k) => ({
        kid: k.kid,
        state: k.state,
        notBefore: k.notBefore,
        ...(k.notAfter === null ? {} : { notAfter: k.notAfter }),
      })),
    };
  };

  router.get('/', requireAnyScope(tokens, ['read', 'issue', 'report']), (_req, res) => {
    const actor = res.locals.actor as Actor;
    res.json({
      brands: brands
        .list()
        .filter((b) => actsFor(actor.brands, b.code))
        .map((b) => view(b.code)),
    });
  });

  router.post(
    '/',
    requireScope(tokens, 'admin'),
    (_req, res, next) => {
      requireOperator(res.locals);
      next();
    },
    ...jsonBody('4kb'),
    (req, res) => {
      const input = parseRequest(brandInputSchema, req.body, 'body');
      addBrand(registry, input, { actor: actorName(res.locals) });
      res.status(201).json(view(input.code));
    },
  );
  return router;
}
