const { mount, simulate } = require('./helpers')

beforeEach(() => jest.resetModules())

test('price shows fen as yuan and the market price struck out', async () => {
  const c = mount('components/price/index', { fen: 12900, market: 15900 })
  await simulate.sleep(0)
  expect(c.querySelector('.price').dom.textContent).toBe('¥129.00')
  expect(c.querySelector('.market').dom.textContent).toBe('¥159.00')
  c.setData({ fen: 5 })
  await simulate.sleep(0)
  expect(c.querySelector('.price').dom.textContent).toBe('¥0.05')
})

test('product card renders a listed product and opens it on tap', async () => {
  const product = require('./fixtures/products.json').items[0]
  const c = mount('components/product-card/index', { product })
  await simulate.sleep(0)
  expect(c.querySelector('.title').dom.textContent).toBe('Linen shirt')
  // The cover is the product's first image, from the shop API's public image path.
  expect(c.data.cover).toMatch(new RegExp('/api/shop/v1/stores/[^/]*/images/' + product.cover + '$'))
  expect(c.querySelector('.cover')).toBeTruthy()
  expect(c.querySelector('.price-comp').querySelector('.price').dom.textContent).toBe('¥129.00')
  const opened = []
  c.addEventListener('open', (e) => opened.push(e.detail.id))
  c.querySelector('.card').dispatchEvent('tap')
  await simulate.sleep(0)
  expect(opened).toEqual([product.id])
})
